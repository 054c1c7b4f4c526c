import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LAUNCHED_LANES } from "../pipeline";
import { JENKINS_CHART, JENKINS_RELEASE_NAME } from "../upstream";
import { componentLabels } from "../workload";
import { credentialsChecksum, jenkinsValues } from "./helmValues";
import type { LanePodPolicy } from "./lanePodPolicy";
import { ADMIN_SECRET, controllerUrl, GITHUB_SECRET, GITHUB_TOKEN, GITHUB_USERNAME, WEBHOOK_SECRET } from "./names";
import type { PipelineLanes } from "./pipelineLanes";

export interface JenkinsArgs {
    /** Jenkins' namespace: the Namespace resource's name, so every object here waits for it. */
    namespace: pulumi.Output<string>;
    /** The GitHub repository the jobs build (https URL). */
    repositoryUrl: string;
    /** Who the scans and checkouts act as on GitHub. */
    gitHub: { username: string; token: pulumi.Input<string> };
    /** The controller Service's type. */
    serviceType: string;
    /** When set, an Ingress exposes the controller on this host. */
    ingressHost?: string;
    /** The controller's volume. */
    storageSize: string;
    /** The lanes' namespaces and launcher tokens, which the clouds need before the controller starts. */
    lanes: PipelineLanes;
    /** In force before Jenkins can launch a pod. */
    podPolicy: LanePodPolicy;
}

/**
 * Jenkins from the official Helm chart, configured entirely as code (JCasC):
 * admin login, the GitHub credential, one cloud and one job per lane.
 * Secrets reach it only through Kubernetes Secrets the chart mounts; the
 * Helm values hold names and a checksum, never a secret.
 */
export class Jenkins extends pulumi.ComponentResource {
    public readonly adminPassword: random.RandomPassword;
    public readonly adminSecret: k8s.core.v1.Secret;
    public readonly gitHubSecret: k8s.core.v1.Secret;
    /** The secret GitHub signs webhook deliveries with: operators copy it into the webhook's settings. */
    public readonly webhookSecret: k8s.core.v1.Secret;
    public readonly release: k8s.helm.v3.Release;
    /** In-cluster URL of the controller. */
    public readonly url: pulumi.Output<string>;
    public readonly adminSecretName: pulumi.Output<string>;
    public readonly webhookSecretName: pulumi.Output<string>;

    constructor(name: string, args: JenkinsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:ci:Jenkins", name, {}, opts);
        const child = { parent: this };
        const labels = componentLabels("jenkins");
        const ns = args.namespace;

        this.adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, child);
        this.adminSecret = new k8s.core.v1.Secret(`${name}-admin`, {
            metadata: { name: ADMIN_SECRET.name, namespace: ns, labels },
            type: "Opaque",
            stringData: { [ADMIN_SECRET.userKey]: "admin", [ADMIN_SECRET.passwordKey]: this.adminPassword.result },
        }, child);
        this.gitHubSecret = new k8s.core.v1.Secret(`${name}-github`, {
            metadata: { name: GITHUB_SECRET, namespace: ns, labels },
            type: "Opaque",
            stringData: pulumi.secret({ [GITHUB_USERNAME.keyName]: args.gitHub.username, [GITHUB_TOKEN.keyName]: args.gitHub.token }),
        }, child);

        const webhookValue = new random.RandomPassword(`${name}-webhook-secret`, { length: 40, special: false }, child);
        this.webhookSecret = new k8s.core.v1.Secret(`${name}-webhook`, {
            metadata: { name: WEBHOOK_SECRET.name, namespace: ns, labels },
            type: "Opaque",
            stringData: { [WEBHOOK_SECRET.keyName]: webhookValue.result },
        }, child);

        const checksum = credentialsChecksum([args.gitHub.username, args.gitHub.token]);
        const values = pulumi.all([ns, checksum]).apply(([jenkinsNamespace, sum]) => jenkinsValues({
            jenkinsNamespace,
            repositoryUrl: args.repositoryUrl,
            serviceType: args.serviceType,
            ingressHost: args.ingressHost,
            storageSize: args.storageSize,
            credentialsChecksum: sum,
        }));
        this.release = new k8s.helm.v3.Release(JENKINS_RELEASE_NAME, {
            name: JENKINS_RELEASE_NAME,
            chart: JENKINS_CHART.name,
            version: JENKINS_CHART.version,
            repositoryOpts: { repo: JENKINS_CHART.repository },
            namespace: ns,
            // Plugin downloads on first start take minutes.
            timeout: 900,
            // A failed upgrade rolls back and removes what it created: no half-upgraded Jenkins.
            atomic: true,
            cleanupOnFail: true,
            values,
        }, {
            ...child,
            dependsOn: [
                this.adminSecret, this.gitHubSecret, this.webhookSecret, args.podPolicy.binding,
                ...Object.values(args.lanes.namespaces), ...LAUNCHED_LANES.map((lane) => args.lanes.launchers[lane].tokenSecret),
            ],
        });

        this.url = ns.apply(controllerUrl);
        this.adminSecretName = this.adminSecret.metadata.name;
        this.webhookSecretName = this.webhookSecret.metadata.name;
        this.registerOutputs({ url: this.url, adminSecretName: this.adminSecretName, webhookSecretName: this.webhookSecretName });
    }
}
