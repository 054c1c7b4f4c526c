import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type ComputeResources, componentLabels, serviceDnsName } from "../workload";
import { usersApiDeploymentSpec, usersApiDisruptionBudgetSpec } from "./usersApi/deployment";
import { usersApiIngressPolicySpec } from "./usersApi/ingressPolicy";
import { mongoUri } from "./usersApi/mongoUri";
import { dockerConfigJson, type RegistryCredentials } from "./usersApi/pullSecret";
import { API_NAME, API_POD_LABELS } from "./usersApi/server";

export { API_POD_LABELS } from "./usersApi/server";

export interface UsersApiArgs {
    namespace: pulumi.Input<string>;
    replicas: number;
    resources: ComputeResources;
    serviceType: k8s.types.enums.core.v1.ServiceSpecType;
    /** The database the API uses. */
    database: string;
    /** `repository@sha256:…` of the pushed image. */
    imageDigest: pulumi.Input<string>;
    /** MongoDB's application user, whose rights stop at `database`. */
    mongo: { host: pulumi.Input<string>; port: number; username: string; password: pulumi.Input<string> };
    /** Credentials for a private repository: the pods pull with an image pull Secret made from them. */
    pullCredentials?: RegistryCredentials;
    /** What must be ready before the API rolls out (MongoDB): a first start can outlast the progress deadline. */
    waitFor?: pulumi.Resource[];
    /** The cluster's pod network: clients outside it (load balancers, nodes) are told from pods by it. */
    podNetworkCidrs: readonly string[];
}

/** The users API: its connection Secret, Deployment, Service and, with 2+ replicas, a PodDisruptionBudget. */
export class UsersApi extends pulumi.ComponentResource {
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
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: componentLabels(API_NAME) });

        const { host, port, username, password } = args.mongo;
        const uri = pulumi.all([password, host]).apply(([p, h]) => mongoUri({ host: h, port, username, password: p, database: args.database }));
        this.mongoSecret = new k8s.core.v1.Secret(`${name}-mongo`, {
            metadata: metadata(`${API_NAME}-mongo`),
            type: "Opaque",
            stringData: { MONGO_URI: pulumi.secret(uri) },
        }, child);

        if (args.pullCredentials !== undefined) {
            const { server, username: user, token } = args.pullCredentials;
            this.pullSecret = new k8s.core.v1.Secret(`${name}-pull`, {
                metadata: metadata(`${API_NAME}-pull`),
                type: "kubernetes.io/dockerconfigjson",
                stringData: {
                    ".dockerconfigjson": pulumi.secret(pulumi.output(token ?? "").apply((t) => dockerConfigJson(server, user, t))),
                },
            }, child);
        }

        this.deployment = new k8s.apps.v1.Deployment(API_NAME, {
            metadata: metadata(API_NAME),
            spec: usersApiDeploymentSpec({
                ...args,
                mongoSecretName: this.mongoSecret.metadata.name,
                pullSecretName: this.pullSecret?.metadata.name,
            }),
        }, { ...child, dependsOn: args.waitFor, customTimeouts: { create: "10m", update: "10m" } });

        this.service = new k8s.core.v1.Service(API_NAME, {
            metadata: metadata(API_NAME),
            spec: {
                type: args.serviceType,
                selector: API_POD_LABELS,
                ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            },
        }, child);

        const budget = usersApiDisruptionBudgetSpec(args.replicas);
        if (budget !== undefined) {
            this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(API_NAME, { metadata: metadata(API_NAME), spec: budget }, child);
        }

        this.networkPolicy = new k8s.networking.v1.NetworkPolicy(`${name}-ingress`, {
            metadata: metadata(`${API_NAME}-ingress`),
            spec: usersApiIngressPolicySpec(args.podNetworkCidrs),
        }, child);

        this.url = pulumi.all([this.service.metadata.name, args.namespace]).apply(([service, ns]) => `http://${serviceDnsName(service, ns)}`);
        this.registerOutputs({ url: this.url });
    }
}
