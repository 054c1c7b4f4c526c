import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { JenkinsConfig, LaneSecrets } from "./config";
import {
    accountOf, agentNamespace, DEPLOY_LANES, type DeployLane, type Lane, LANE_CREDENTIALS_SECRET, LANES,
} from "./pipeline";
import { CHART_FACTS } from "./upstream";
import { componentLabels, type PodSecurityLevel, podSecurityLabels } from "./workload";

/**
 * The Pod Security level each lane's agent namespace enforces: deploying lanes
 * run a Docker daemon to build the image, which must be privileged; previews
 * build nothing, so their pods need no privilege at all.
 */
export const LANE_POD_SECURITY: Record<Lane, PodSecurityLevel> = {
    production: "privileged",
    develop: "privileged",
    preview: "baseline",
};

/** The environment a lane's `pulumi` container receives from its credentials Secret. */
export function laneEnvironment(
    lane: Lane, secrets: LaneSecrets, backendUrl: string, registryServer: string,
): Record<string, pulumi.Input<string>> {
    const env: Record<string, pulumi.Input<string>> = { PULUMI_BACKEND_URL: backendUrl };
    if (secrets.pulumiToken) env.PULUMI_ACCESS_TOKEN = secrets.pulumiToken;
    if (secrets.s3) {
        env.AWS_ACCESS_KEY_ID = secrets.s3.accessKeyId;
        env.AWS_SECRET_ACCESS_KEY = secrets.s3.secretAccessKey;
    }
    for (const [stack, passphrase] of Object.entries(secrets.passphrases ?? {})) {
        // A deploying lane has one stack: the plain variable. Previews pick theirs by stack.
        env[lane === "preview" ? `PULUMI_CONFIG_PASSPHRASE_${stack.toUpperCase()}` : "PULUMI_CONFIG_PASSPHRASE"] = passphrase;
    }
    if (secrets.registry) {
        env.REGISTRY_SERVER = registryServer;
        env.REGISTRY_USERNAME = secrets.registry.username;
        env.REGISTRY_TOKEN = secrets.registry.token;
    }
    return env;
}

export interface PipelineLanesArgs {
    jenkinsNamespace: pulumi.Input<string>;
    jenkinsNamespaceName: string;
    jenkins: JenkinsConfig;
}

export interface Launcher {
    account: k8s.core.v1.ServiceAccount;
    /** A long-lived token Secret of the account (filled in by Kubernetes), for the lane's Jenkins cloud. */
    tokenSecret: k8s.core.v1.Secret;
}

/**
 * The pipeline's lanes (infra/pipeline.ts): for each, a namespace for its
 * agent pods at the Pod Security level they need, the ServiceAccount those
 * pods run as, the credentials Secret they read, and a NetworkPolicy that
 * admits no inbound traffic. For each deploying lane also a launcher: a
 * ServiceAccount in Jenkins' namespace that may create pods in that lane's
 * namespace only, whose token is the lane cloud's credential. The preview
 * lane launches with the controller's own identity, which the chart limits
 * to the preview namespace.
 */
export class PipelineLanes extends pulumi.ComponentResource {
    public readonly namespaces = {} as Record<Lane, k8s.core.v1.Namespace>;
    public readonly accounts = {} as Record<Lane, k8s.core.v1.ServiceAccount>;
    public readonly credentials = {} as Record<Lane, k8s.core.v1.Secret>;
    public readonly denyIngress = {} as Record<Lane, k8s.networking.v1.NetworkPolicy>;
    public readonly launchers = {} as Record<DeployLane, Launcher>;

    constructor(name: string, args: PipelineLanesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:ci:PipelineLanes", name, {}, opts);
        const child = { parent: this };
        const { jenkins } = args;

        for (const lane of LANES) {
            const labels = { ...componentLabels("jenkins-agents"), "xpto.io/pipeline-lane": lane };
            const namespaceName = agentNamespace(args.jenkinsNamespaceName, lane);
            const namespace = new k8s.core.v1.Namespace(`${name}-${lane}`, {
                metadata: { name: namespaceName, labels: { ...labels, ...podSecurityLabels(LANE_POD_SECURITY[lane], "restricted") } },
            }, child);
            this.namespaces[lane] = namespace;
            const ns = namespace.metadata.name;
            this.accounts[lane] = new k8s.core.v1.ServiceAccount(`${name}-${lane}-agent`, {
                metadata: { name: accountOf(lane), namespace: ns, labels },
            }, child);
            const env = laneEnvironment(lane, jenkins.lanes[lane], jenkins.backend.url, jenkins.registryServer);
            this.credentials[lane] = new k8s.core.v1.Secret(`${name}-${lane}-credentials`, {
                metadata: { name: LANE_CREDENTIALS_SECRET, namespace: ns, labels },
                type: "Opaque",
                stringData: pulumi.secret(env),
            }, child);
            this.denyIngress[lane] = new k8s.networking.v1.NetworkPolicy(`${name}-${lane}-deny-ingress`, {
                metadata: { name: "deny-ingress", namespace: ns, labels },
                // Agents only dial out (to Jenkins, the registry, the API server): nothing may connect to them.
                spec: { podSelector: {}, policyTypes: ["Ingress"] },
            }, child);
        }

        for (const lane of DEPLOY_LANES) {
            const labels = { ...componentLabels("jenkins"), "xpto.io/pipeline-lane": lane };
            const accountName = `launcher-${lane}`;
            const account = new k8s.core.v1.ServiceAccount(`${name}-${lane}-launcher`, {
                metadata: { name: accountName, namespace: args.jenkinsNamespace, labels },
                automountServiceAccountToken: false,
            }, child);
            const tokenSecret = new k8s.core.v1.Secret(`${name}-${lane}-launcher-token`, {
                metadata: {
                    name: `${accountName}-token`,
                    namespace: args.jenkinsNamespace,
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
                subjects: [{ kind: "ServiceAccount", name: accountName, namespace: args.jenkinsNamespaceName }],
            }, child);
            this.launchers[lane] = { account, tokenSecret };
        }
        this.registerOutputs({});
    }
}
