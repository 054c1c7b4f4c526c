import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type AppConfig, DOCKER_HUB } from "../config";
import { UNTRUSTED_LABEL } from "../pipeline";
import {
    componentLabels, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity, selectorLabels,
    serviceDnsName,
} from "../workload";

export const API_NAME = "users-api";
export const API_PORT = 5000;
/** The labels that select the API's pods; MongoDB's NetworkPolicy admits exactly these. */
export const API_POD_LABELS = selectorLabels(API_NAME);
/** The non-root user the image's Dockerfile creates. */
const API_UID = 10001;
/**
 * How long a stopping pod keeps serving before its server gets SIGTERM: the
 * Service's endpoints drop it asynchronously, and until every node's proxy
 * rules follow, new connections still reach it. Without this wait, a rollout
 * under load refused connections (the node suite measured 55 of 3268 requests
 * in one rolling update). An exec of `sleep`, not the `sleep` action, which
 * needs Kubernetes 1.30: the image is Debian's, with coreutils.
 */
export const PRE_STOP_SECONDS = 5;
/**
 * Longer than the preStop wait plus the server's graceful timeout
 * (GRACEFUL_TIMEOUT_S, app/server.py), so that in-flight requests finish
 * before the kubelet sends SIGKILL.
 */
export const TERMINATION_GRACE_SECONDS = 40;

export interface UsersApiArgs {
    namespace: pulumi.Input<string>;
    api: AppConfig["api"];
    /** `repository@sha256:…` of the pushed image. */
    imageDigest: pulumi.Input<string>;
    mongoHost: pulumi.Input<string>;
    mongoPort: number;
    mongoUsername: string;
    mongoPassword: pulumi.Input<string>;
    /** Credentials for a private repository: the pods pull with an image pull Secret made from them. */
    pullCredentials?: RegistryCredentials;
    /** What must be ready before the API rolls out (MongoDB): a first start can outlast the progress deadline. */
    waitFor?: pulumi.Resource[];
    /** The cluster's pod network: clients outside it (load balancers, nodes) are told from pods by it. */
    podNetworkCidrs: readonly string[];
}

/**
 * Who may connect to the API's pods: any pod of a namespace where only
 * master's code runs, and anything outside the cluster's pod network (a load
 * balancer, a node, an ingress controller on the host network) — never a pod
 * of a namespace labelled as running code that is not master's (the develop
 * app namespace, the develop, preview and fork lanes), whose labels no
 * pipeline identity can change.
 */
export function apiIngressSpec(podNetworkCidrs: readonly string[]): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: API_POD_LABELS },
        policyTypes: ["Ingress"],
        ingress: [{
            from: [
                { namespaceSelector: { matchExpressions: [{ key: UNTRUSTED_LABEL, operator: "DoesNotExist" }] } },
                { ipBlock: { cidr: "0.0.0.0/0", except: [...podNetworkCidrs] } },
            ],
            ports: [{ port: API_PORT, protocol: "TCP" }],
        }],
    };
}

export interface RegistryCredentials {
    server: string;
    username: string;
    /** Absent in a preview without credentials: the Secret is then declared without them. */
    token?: pulumi.Input<string>;
}

/** The registry key a kubelet looks up for a server: Docker Hub's is its v1 index URL. */
export function dockerConfigServer(server: string): string {
    return server === DOCKER_HUB ? "https://index.docker.io/v1/" : server;
}

/** `.dockerconfigjson` for one registry, as `kubectl create secret docker-registry` writes it. */
export function dockerConfigJson(server: string, username: string, token: string): string {
    const auth = Buffer.from(`${username}:${token}`).toString("base64");
    return JSON.stringify({ auths: { [dockerConfigServer(server)]: { username, password: token, auth } } });
}

/** The users API: its connection Secret, Deployment, Service and, with 2+ replicas, a PodDisruptionBudget. */
export class UsersApi extends pulumi.ComponentResource {
    public readonly podLabels = API_POD_LABELS;
    public readonly mongoSecret: k8s.core.v1.Secret;
    public readonly pullSecret?: k8s.core.v1.Secret;
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    public readonly disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
    public readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
    /** In-cluster base URL of the API. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: UsersApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:api:UsersApi", name, {}, opts);
        const child = { parent: this };
        const labels = componentLabels(API_NAME);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });

        // The application user, scoped to the API's database: never the root user.
        const { database: db } = args.api;
        const server = pulumi.interpolate`${args.mongoHost}:${args.mongoPort}`;
        const uri = pulumi.interpolate`mongodb://${args.mongoUsername}:${args.mongoPassword}@${server}/${db}?authSource=${db}`;
        this.mongoSecret = new k8s.core.v1.Secret(`${name}-mongo`, {
            metadata: metadata(`${API_NAME}-mongo`),
            type: "Opaque",
            stringData: { MONGO_URI: pulumi.secret(uri) },
        }, child);

        const credentials = args.pullCredentials;
        if (credentials !== undefined) {
            const { server, username, token } = credentials;
            this.pullSecret = new k8s.core.v1.Secret(`${name}-pull`, {
                metadata: metadata(`${API_NAME}-pull`),
                type: "kubernetes.io/dockerconfigjson",
                stringData: {
                    ".dockerconfigjson": pulumi.secret(pulumi.output(token ?? "").apply((t) => dockerConfigJson(server, username, t))),
                },
            }, child);
        }

        this.deployment = new k8s.apps.v1.Deployment(API_NAME, {
            metadata: metadata(API_NAME),
            spec: {
                replicas: args.api.replicas,
                selector: { matchLabels: this.podLabels },
                // Fail the rollout (and so `pulumi up`) when new pods never become ready.
                progressDeadlineSeconds: 300,
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        imagePullSecrets: this.pullSecret ? [{ name: this.pullSecret.metadata.name }] : undefined,
                        securityContext: restrictedPodSecurity(API_UID),
                        terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
                        containers: [{
                            name: API_NAME,
                            image: args.imageDigest,
                            ports: [{ name: "http", containerPort: API_PORT, protocol: "TCP" }],
                            env: [
                                { name: "MONGO_URI", valueFrom: { secretKeyRef: { name: this.mongoSecret.metadata.name, key: "MONGO_URI" } } },
                                { name: "MONGO_DATABASE", value: args.api.database },
                            ],
                            resources: resourceRequirements(args.api.resources),
                            securityContext: restrictedContainerSecurity(),
                            livenessProbe: {
                                httpGet: { path: "/healthz", port: "http" },
                                periodSeconds: 10,
                                timeoutSeconds: 3,
                                failureThreshold: 3,
                            },
                            readinessProbe: {
                                httpGet: { path: "/readyz", port: "http" },
                                periodSeconds: 5,
                                timeoutSeconds: 3,
                                failureThreshold: 3,
                            },
                            lifecycle: { preStop: { exec: { command: ["sleep", String(PRE_STOP_SECONDS)] } } },
                            // Python's temp files live here; the root filesystem is read-only.
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        }],
                        volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }],
                    },
                },
            },
        }, { ...child, dependsOn: args.waitFor, customTimeouts: { create: "10m", update: "10m" } });

        this.service = new k8s.core.v1.Service(API_NAME, {
            metadata: metadata(API_NAME),
            spec: {
                type: args.api.serviceType,
                selector: this.podLabels,
                ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            },
        }, child);

        // With one replica a PDB would block node drains forever; it only makes sense from two.
        if (args.api.replicas >= 2) {
            this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(API_NAME, {
                metadata: metadata(API_NAME),
                spec: { minAvailable: 1, selector: { matchLabels: this.podLabels } },
            }, child);
        }

        this.networkPolicy = new k8s.networking.v1.NetworkPolicy(`${name}-ingress`, {
            metadata: metadata(`${API_NAME}-ingress`),
            spec: apiIngressSpec(args.podNetworkCidrs),
        }, child);

        this.url = pulumi.all([this.service.metadata.name, args.namespace]).apply(([service, ns]) => `http://${serviceDnsName(service, ns)}`);
        this.registerOutputs({ url: this.url });
    }
}
