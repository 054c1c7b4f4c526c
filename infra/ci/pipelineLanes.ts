import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    AGENT_ACCOUNT, agentNamespace, type DeployLane, isUntrusted, type Lane, LANE_CREDENTIALS_SECRET, LANE_LABEL, LANES,
    LAUNCHED_LANES, type LaunchedLane, launcherOf, launcherTokenSecretOf, UNTRUSTED_LABEL,
} from "../pipeline";
import { CHART_FACTS, JENKINS_RELEASE_NAME } from "../upstream";
import { componentLabels, type PodSecurityLevel, podSecurityLabels } from "../workload";

/**
 * The Pod Security level each lane's agent namespace enforces. The deploying
 * lanes build the API image with rootless BuildKit, whose unconfined seccomp
 * and AppArmor profiles `baseline` refuses: their namespaces enforce nothing
 * through Pod Security, and the lane pod policy (infra/ci/lanePodPolicy.ts)
 * enforces `baseline`'s controls with that one allowance. Previews and forks
 * build nothing.
 */
export const LANE_POD_SECURITY: Record<Lane, PodSecurityLevel> = {
    production: "privileged",
    develop: "privileged",
    preview: "baseline",
    fork: "baseline",
};

/** Link-local addresses of cloud metadata services: the node's cloud credentials. */
export const METADATA_ADDRESSES = ["169.254.169.254/32"];

/** What one lane's builds may use; each lane holds only its own. */
export interface LaneCredentials {
    /** Pulumi Cloud token of the lane (Pulumi Cloud backend). */
    pulumiToken?: pulumi.Input<string>;
    /** S3 keys of the lane (S3 backend). */
    s3?: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> };
    /** The passphrase of the one stack the lane reads, by stack (S3 backend). */
    passphrases?: Partial<Record<DeployLane, pulumi.Input<string>>>;
    /** Push credentials (deploying lanes only). */
    registry?: { username: string; token: pulumi.Input<string> };
}

/** The environment a lane's `pulumi` container receives from its credentials Secret. */
export function laneEnvironment(
    secrets: LaneCredentials, backendUrl: string, registryServer: string,
): Record<string, pulumi.Input<string>> {
    const env: Record<string, pulumi.Input<string>> = { PULUMI_BACKEND_URL: backendUrl };
    if (secrets.pulumiToken) env.PULUMI_ACCESS_TOKEN = secrets.pulumiToken;
    if (secrets.s3) {
        env.AWS_ACCESS_KEY_ID = secrets.s3.accessKeyId;
        env.AWS_SECRET_ACCESS_KEY = secrets.s3.secretAccessKey;
    }
    // Each lane reads one stack: the deploying lanes their own, previews develop's.
    const [passphrase] = Object.values(secrets.passphrases ?? {});
    if (passphrase) env.PULUMI_CONFIG_PASSPHRASE = passphrase;
    if (secrets.registry) {
        env.REGISTRY_SERVER = registryServer;
        env.REGISTRY_USERNAME = secrets.registry.username;
        env.REGISTRY_TOKEN = secrets.registry.token;
    }
    return env;
}

/**
 * Where a lane's agents may connect: DNS, Jenkins' controller (its web port
 * and agent port), and addresses outside the cluster's pod network (the
 * Kubernetes API server, registries, the Pulumi backend) — never another pod,
 * so no lane reaches the API or MongoDB of any app namespace, and never a
 * cloud metadata service.
 */
export function laneEgressSpec(jenkinsNamespace: string, podNetworkCidrs: readonly string[]): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
            { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] },
            {
                to: [{
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": jenkinsNamespace } },
                    podSelector: { matchLabels: CHART_FACTS.controllerPodLabels(JENKINS_RELEASE_NAME) },
                }],
                ports: [{ port: CHART_FACTS.httpPort, protocol: "TCP" }, { port: CHART_FACTS.agentPort, protocol: "TCP" }],
            },
            { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...podNetworkCidrs, ...METADATA_ADDRESSES] } }] },
        ],
    };
}

export interface PipelineLanesArgs {
    /** Jenkins' namespace: the Namespace resource's name, created before the lanes. */
    jenkinsNamespace: pulumi.Output<string>;
    /** By lane; a lane without credentials (the fork lane) gets no Secret at all. */
    credentials: Partial<Record<Lane, LaneCredentials>>;
    /** The Pulumi backend every lane logs in to. */
    backendUrl: string;
    /** The registry the deploying lanes push the API image to. */
    registryServer: string;
    /** The cluster's pod network: no lane may connect to an address in it but DNS and Jenkins. */
    podNetworkCidrs: readonly string[];
}

export interface Launcher {
    account: k8s.core.v1.ServiceAccount;
    /** A long-lived token Secret of the account (filled in by Kubernetes), for the lane's Jenkins cloud. */
    tokenSecret: k8s.core.v1.Secret;
}

/**
 * The pipeline's lanes (infra/pipeline.ts): for each, a namespace for its
 * agent pods at the Pod Security level they need, the ServiceAccount those
 * pods run as, the credentials Secret they read (none for forks), a
 * NetworkPolicy that admits no inbound traffic and one that lets them dial
 * only DNS, Jenkins and the world outside the pod network. For each launched
 * lane also a launcher: a ServiceAccount in Jenkins' namespace that may
 * create pods in that lane's namespace only, whose token is the lane cloud's
 * credential. The fork lane launches with the controller's own identity,
 * which the chart limits to the fork namespace.
 */
export class PipelineLanes extends pulumi.ComponentResource {
    public readonly namespaces = {} as Record<Lane, k8s.core.v1.Namespace>;
    public readonly accounts = {} as Record<Lane, k8s.core.v1.ServiceAccount>;
    /** Every lane's but the fork lane's. */
    public readonly credentials: Partial<Record<Lane, k8s.core.v1.Secret>> = {};
    public readonly denyIngress = {} as Record<Lane, k8s.networking.v1.NetworkPolicy>;
    public readonly egress = {} as Record<Lane, k8s.networking.v1.NetworkPolicy>;
    public readonly launchers = {} as Record<LaunchedLane, Launcher>;

    constructor(name: string, args: PipelineLanesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:ci:PipelineLanes", name, {}, opts);
        const child = { parent: this };
        const jenkinsNamespaceName = args.jenkinsNamespace;

        for (const lane of LANES) {
            const labels = { ...componentLabels("jenkins-agents"), [LANE_LABEL]: lane };
            const trust: Record<string, string> = isUntrusted(lane) ? { [UNTRUSTED_LABEL]: "true" } : {};
            const namespace = new k8s.core.v1.Namespace(`${name}-${lane}`, {
                metadata: {
                    name: jenkinsNamespaceName.apply((jenkinsNamespace) => agentNamespace(jenkinsNamespace, lane)),
                    labels: { ...labels, ...trust, ...podSecurityLabels(LANE_POD_SECURITY[lane], "restricted") },
                },
            }, child);
            this.namespaces[lane] = namespace;
            const ns = namespace.metadata.name;
            this.accounts[lane] = new k8s.core.v1.ServiceAccount(`${name}-${lane}-agent`, {
                metadata: { name: AGENT_ACCOUNT, namespace: ns, labels },
            }, child);
            const secrets = args.credentials[lane];
            if (secrets) {
                const env = laneEnvironment(secrets, args.backendUrl, args.registryServer);
                this.credentials[lane] = new k8s.core.v1.Secret(`${name}-${lane}-credentials`, {
                    metadata: { name: LANE_CREDENTIALS_SECRET, namespace: ns, labels },
                    type: "Opaque",
                    stringData: pulumi.secret(env),
                }, child);
            }
            this.denyIngress[lane] = new k8s.networking.v1.NetworkPolicy(`${name}-${lane}-deny-ingress`, {
                metadata: { name: "deny-ingress", namespace: ns, labels },
                // Agents only dial out: nothing may connect to them.
                spec: { podSelector: {}, policyTypes: ["Ingress"] },
            }, child);
            this.egress[lane] = new k8s.networking.v1.NetworkPolicy(`${name}-${lane}-egress`, {
                metadata: { name: "lane-egress", namespace: ns, labels },
                spec: jenkinsNamespaceName.apply((jenkinsNamespace) => laneEgressSpec(jenkinsNamespace, args.podNetworkCidrs)),
            }, child);
        }

        for (const lane of LAUNCHED_LANES) {
            const labels = { ...componentLabels("jenkins"), [LANE_LABEL]: lane };
            const accountName = launcherOf(lane);
            const account = new k8s.core.v1.ServiceAccount(`${name}-${lane}-launcher`, {
                metadata: { name: accountName, namespace: jenkinsNamespaceName, labels },
                automountServiceAccountToken: false,
            }, child);
            const tokenSecret = new k8s.core.v1.Secret(`${name}-${lane}-launcher-token`, {
                metadata: {
                    name: launcherTokenSecretOf(lane),
                    namespace: jenkinsNamespaceName,
                    labels,
                    annotations: { "kubernetes.io/service-account.name": accountName },
                },
                type: "kubernetes.io/service-account-token",
            }, { ...child, dependsOn: [account] });
            const role = new k8s.rbac.v1.Role(`${name}-${lane}-launcher`, {
                metadata: { name: "launch-agents", namespace: this.namespaces[lane].metadata.name, labels },
                rules: CHART_FACTS.scheduleAgentsRules.map((rule) =>
                    ({ apiGroups: [...rule.apiGroups], resources: [...rule.resources], verbs: [...rule.verbs] })),
            }, child);
            new k8s.rbac.v1.RoleBinding(`${name}-${lane}-launcher`, {
                metadata: { name: "launch-agents", namespace: this.namespaces[lane].metadata.name, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: accountName, namespace: jenkinsNamespaceName }],
            }, child);
            this.launchers[lane] = { account, tokenSecret };
        }
        this.registerOutputs({});
    }
}
