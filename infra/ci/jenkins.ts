import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as yaml from "js-yaml";
import type { JenkinsConfig } from "../config";
import {
    AGENT_ACCOUNT, agentNamespace, CHART_CLOUD_LANE, cloudOf, DEPLOY_LANES, type Lane, LANE_BRANCHES, LANES, LAUNCHED_LANES,
    type LaunchedLane, launcherOf,
} from "../pipeline";
import type { LanePodPolicy } from "./lanePodPolicy";
import type { PipelineLanes } from "./pipelineLanes";
import { CHART_FACTS, JENKINS_CHART, JENKINS_PLUGINS, JENKINS_RELEASE_NAME, PLUGIN_FACTS } from "../upstream";
import { componentLabels, serviceDnsName } from "../workload";

export { JENKINS_RELEASE_NAME };

/** Pulumi type of this component (the jenkins stack's, which no pipeline runs). */
export const JENKINS_COMPONENT_TYPE = "xpto:ci:Jenkins";

/** The credential IDs JCasC defines. */
export const CREDENTIAL_IDS = {
    gitHub: "github",
    webhook: "github-webhook",
    launcher: (lane: LaunchedLane) => launcherOf(lane),
} as const;

/** One multibranch job per lane; each launched lane's job may use its own cloud and no other. */
export const JOB_NAMES: Record<Lane, string> = {
    production: "xpto-users-api-production",
    develop: "xpto-users-api-develop",
    preview: "xpto-users-api",
    fork: "xpto-users-api-forks",
};

const ADMIN_SECRET = "jenkins-admin";
const GITHUB_SECRET = "jenkins-github";
const WEBHOOK_SECRET = { name: "jenkins-github-webhook", key: "secret" } as const;
const ADMIN_KEYS = { user: "jenkins-admin-user", password: "jenkins-admin-password" } as const;

export interface JenkinsArgs {
    /** Jenkins' namespace (created beside it, so the lanes can use it too). */
    namespace: pulumi.Input<string>;
    namespaceName: string;
    jenkins: JenkinsConfig;
    lanes: PipelineLanes;
    /** In force before Jenkins can launch a pod. */
    podPolicy: LanePodPolicy;
}

/** The chart's `installPlugins` list: `name:version`. */
export function pluginList(): string[] {
    return JENKINS_PLUGINS.map((p) => `${p.name}:${p.version}`);
}

/**
 * A checksum of what the controller reads from Secrets at start-up. As a pod
 * annotation it rolls the controller when a credential changes: the chart's
 * reload sidecar watches ConfigMaps only, and nothing else restarts the
 * controller when a mounted Secret changes (helm-charts@jenkins-5.9.53
 * values.yaml L572-651, _helpers.tpl L658-741). A hash of a high-entropy token
 * reveals nothing, so it is not kept secret.
 */
export function credentialsChecksum(values: pulumi.Input<string>[]): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.all(values).apply((v) => createHash("sha256").update(v.join("\0")).digest("hex")));
}

function credentialsCasc(): string {
    const ref = CHART_FACTS.existingSecretReference;
    const credentials = [
        // GitHub API calls of the scans, and checkouts: a user and token, never anonymous.
        {
            usernamePassword: {
                scope: "GLOBAL", id: CREDENTIAL_IDS.gitHub, description: "GitHub: scans and checkouts",
                username: ref(GITHUB_SECRET, "username"), password: ref(GITHUB_SECRET, "token"),
            },
        },
        // SYSTEM scope: only Jenkins itself checks webhook signatures; no build can bind the secret.
        {
            [PLUGIN_FACTS.cloudTokenCredential]: {
                scope: "SYSTEM", id: CREDENTIAL_IDS.webhook, description: "GitHub webhook signatures",
                secret: ref(WEBHOOK_SECRET.name, WEBHOOK_SECRET.key),
            },
        },
        // SYSTEM scope: Jenkins itself (the lane's cloud) may use a launcher's token; no build can bind it.
        ...LAUNCHED_LANES.map((lane) => ({
            [PLUGIN_FACTS.cloudTokenCredential]: {
                scope: "SYSTEM", id: CREDENTIAL_IDS.launcher(lane), description: `Launches ${lane} agent pods`,
                secret: ref(`${launcherOf(lane)}-token`, "token"),
            },
        })),
    ];
    return yaml.dump({ credentials: { system: { domainCredentials: [{ credentials }] } } }, { lineWidth: -1 });
}

/** Webhook deliveries are accepted only when GitHub signed them with the shared secret. */
function webhookCasc(): string {
    const { cascRoot, signatureAlgorithm } = PLUGIN_FACTS.webhookSecret;
    return yaml.dump({ unclassified: { [cascRoot]: { hookSecretConfigs: [{ credentialsId: CREDENTIAL_IDS.webhook, signatureAlgorithm }] } } },
        { lineWidth: -1 });
}

/**
 * The launched lanes' clouds, each usable by its own job only; the chart's own
 * cloud is the fork lane's. JCasC merges lists from several files by appending
 * (configuration-as-code's ErrorOnConflictMergeStrategy), so these add to it.
 */
function cloudsCasc(namespace: string): string {
    const release = JENKINS_RELEASE_NAME;
    const clouds = LAUNCHED_LANES.map((lane) => ({
        kubernetes: {
            name: cloudOf(lane),
            // No serverUrl: with a serverUrl and a credential the client starts from Config.empty(), without the
            // in-cluster CA; without one it takes the in-cluster address and CA and the credential only replaces
            // the token (kubernetes-plugin@4423.vb_59f230b_ce53 KubernetesFactoryAdapter.createClient).
            namespace: agentNamespace(namespace, lane),
            credentialsId: CREDENTIAL_IDS.launcher(lane),
            jenkinsUrl: `http://${serviceDnsName(release, namespace)}:${CHART_FACTS.httpPort}`,
            jenkinsTunnel: `${serviceDnsName(`${release}-agent`, namespace)}:${CHART_FACTS.agentPort}`,
            usageRestricted: true,
            containerCapStr: "4",
            podLabels: [{ key: CHART_FACTS.agentPodLabel(release), value: "true" }],
        },
    }));
    return yaml.dump({ jenkins: { clouds } }, { lineWidth: -1 });
}

/** What one lane's job discovers: its traits, in Job DSL. */
function discoveryTraits(lane: Lane): string {
    const deployBranches = DEPLOY_LANES.flatMap((l) => LANE_BRANCHES[l]);
    const branches = (includes: string, excludes: string) => `
            gitHubBranchDiscovery { strategyId(${PLUGIN_FACTS.allBranchesStrategy}) }
            headWildcardFilter {
              includes('${includes}')
              excludes('${excludes}')
            }`;
    switch (lane) {
        case "production":
        case "develop":
            return branches(LANE_BRANCHES[lane].join(" "), "");
        case "preview":
            // Every other branch of the repository, and its pull requests (PR-<n>); never a fork's.
            return `${branches("*", deployBranches.join(" "))}
            gitHubPullRequestDiscovery { strategyId(${PLUGIN_FACTS.mergeWithTargetStrategy}) }`;
        case "fork":
            // Pull requests from forks only, built with the target branch's Jenkinsfile, whoever opened them.
            return `
            gitHubForkDiscovery {
              strategyId(${PLUGIN_FACTS.mergeWithTargetStrategy})
              trust { ${PLUGIN_FACTS.trustNobodySymbol}() }
            }`;
    }
}

/** Job DSL of one lane's multibranch job. */
export function laneJobDsl(lane: Lane, repositoryUrl: string): string {
    const [, owner, repository] = /github\.com\/([^/]+)\/([^/]+?)(?:\.git)?$/.exec(repositoryUrl) ?? ["", "", ""];
    const cloudGrant = (LAUNCHED_LANES as readonly Lane[]).includes(lane) ? `
  properties {
    ${PLUGIN_FACTS.folderCloudPropertySymbol} { permittedClouds(['${cloudOf(lane)}']) }
  }` : "";
    return `multibranchPipelineJob('${JOB_NAMES[lane]}') {
  displayName('XPTO users API: ${lane}')
  branchSources {
    branchSource {
      source {
        github {
          id('${JOB_NAMES[lane]}')
          repoOwner('${owner}')
          repository('${repository}')
          repositoryUrl('${repositoryUrl}')
          configuredByUrl(true)
          credentialsId('${CREDENTIAL_IDS.gitHub}')
          traits {${discoveryTraits(lane)}
          }
        }
      }
    }
  }${cloudGrant}
  factory { workflowBranchProjectFactory { scriptPath('Jenkinsfile') } }
  // GitHub's webhook (${PLUGIN_FACTS.webhookPath}) starts builds; the scan catches what a webhook missed.
  triggers { periodicFolderTrigger { interval('1h') } }
  orphanedItemStrategy { discardOldItems { daysToKeep(30); numToKeep(20) } }
}
`;
}

function jobsCasc(repositoryUrl: string): string {
    const jobs = LANES.map((lane) => ({ script: laneJobDsl(lane, repositoryUrl) }));
    return yaml.dump({ jobs }, { lineWidth: -1 });
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
        super(JENKINS_COMPONENT_TYPE, name, {}, opts);
        const child = { parent: this };
        const config = args.jenkins;
        const labels = componentLabels("jenkins");

        const ns = args.namespace;

        this.adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, child);
        this.adminSecret = new k8s.core.v1.Secret(`${name}-admin`, {
            metadata: { name: ADMIN_SECRET, namespace: ns, labels },
            type: "Opaque",
            stringData: { [ADMIN_KEYS.user]: "admin", [ADMIN_KEYS.password]: this.adminPassword.result },
        }, child);
        this.gitHubSecret = new k8s.core.v1.Secret(`${name}-github`, {
            metadata: { name: GITHUB_SECRET, namespace: ns, labels },
            type: "Opaque",
            stringData: pulumi.secret({ username: config.gitHub.username, token: config.gitHub.token }),
        }, child);

        const webhookValue = new random.RandomPassword(`${name}-webhook-secret`, { length: 40, special: false }, child);
        this.webhookSecret = new k8s.core.v1.Secret(`${name}-webhook`, {
            metadata: { name: WEBHOOK_SECRET.name, namespace: ns, labels },
            type: "Opaque",
            stringData: { [WEBHOOK_SECRET.key]: webhookValue.result },
        }, child);

        const checksum = credentialsChecksum([config.gitHub.username, config.gitHub.token]);
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
            values: jenkinsValues(config, args.namespaceName, checksum),
        }, {
            ...child,
            dependsOn: [
                this.adminSecret, this.gitHubSecret, this.webhookSecret, args.podPolicy.binding,
                ...Object.values(args.lanes.namespaces), ...LAUNCHED_LANES.map((lane) => args.lanes.launchers[lane].tokenSecret),
            ],
        });

        this.url = pulumi.output(ns).apply((namespace) => `http://${serviceDnsName(JENKINS_RELEASE_NAME, namespace)}:${CHART_FACTS.httpPort}`);
        this.adminSecretName = this.adminSecret.metadata.name;
        this.webhookSecretName = this.webhookSecret.metadata.name;
        this.registerOutputs({ url: this.url, adminSecretName: this.adminSecretName, webhookSecretName: this.webhookSecretName });
    }
}

/** The chart's values: names of Secrets, plain settings and a checksum, never a secret value. */
export function jenkinsValues(
    config: JenkinsConfig, namespace: string, credentialsChecksum: pulumi.Input<string>,
): Record<string, unknown> {
    const mounted = [
        { name: GITHUB_SECRET, keyName: "username" },
        { name: GITHUB_SECRET, keyName: "token" },
        { name: WEBHOOK_SECRET.name, keyName: WEBHOOK_SECRET.key },
        ...LAUNCHED_LANES.map((lane) => ({ name: `${launcherOf(lane)}-token`, keyName: "token" })),
    ];
    return {
        controller: {
            // createSecret must stay true: only then does the chart project the admin Secret
            // (helm-charts@jenkins-5.9.53 jenkins-controller-statefulset.yaml L369-399; secret.yaml L1)
            // (here our existingSecret) for JCasC's security realm; it creates no Secret of its own.
            admin: { createSecret: true, existingSecret: ADMIN_SECRET, userKey: ADMIN_KEYS.user, passwordKey: ADMIN_KEYS.password },
            installPlugins: pluginList(),
            // Dependencies resolve to the minimum the pins need, not whatever is newest on the day of a restart.
            installLatestPlugins: false,
            resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } },
            // Up to 15 minutes for the first start, which downloads every plugin.
            probes: { startupProbe: { failureThreshold: 90, periodSeconds: 10, timeoutSeconds: 5 } },
            // Pod Security `restricted` for the controller's namespace.
            containerSecurityContext: { ...CHART_FACTS.restrictedContainerSecurityContext },
            sidecars: {
                configAutoReload: {
                    containerSecurityContext: {
                        readOnlyRootFilesystem: true,
                        allowPrivilegeEscalation: false,
                        capabilities: { drop: ["ALL"] },
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                },
            },
            [CHART_FACTS.podAnnotationsKey]: { "xpto.io/credentials-checksum": credentialsChecksum },
            serviceType: config.serviceType,
            ingress: config.ingressHost
                ? { enabled: true, hostName: config.ingressHost, pathType: "Prefix", path: "/" }
                : { enabled: false },
            [CHART_FACTS.defaultCloudNameKey]: cloudOf(CHART_CLOUD_LANE),
            additionalExistingSecrets: mounted,
            JCasC: {
                defaultConfig: true,
                configScripts: {
                    "credentials": credentialsCasc(),
                    "github-webhook": webhookCasc(),
                    "lane-clouds": cloudsCasc(namespace),
                    "lane-jobs": jobsCasc(config.repositoryUrl),
                },
                authorizationStrategy: "loggedInUsersCanDoAnything:\n  allowAnonymousRead: false",
            },
        },
        // The chart's cloud (forks): pods in the fork namespace, which holds no credential; no implicit template.
        agent: { enabled: true, namespace: agentNamespace(namespace, CHART_CLOUD_LANE), disableDefaultAgent: true },
        serviceAccountAgent: { create: false, name: AGENT_ACCOUNT },
        persistence: { enabled: true, size: config.storageSize },
        rbac: { create: true, readSecrets: false },
    };
}
