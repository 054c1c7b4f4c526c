import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as yaml from "js-yaml";
import type { StackConfig } from "./config";
import { componentLabels } from "./workload";

/** The official chart, pinned: upgrades are deliberate, reviewed changes. */
export const JENKINS_CHART = {
    name: "jenkins",
    repository: "https://charts.jenkins.io",
    version: "5.8.104",
} as const;

/** Pulumi type of this component: the pipeline excludes `<urn prefix>**` of it (see Jenkinsfile). */
export const JENKINS_COMPONENT_TYPE = "xpto:ci:Jenkins";
export const JENKINS_RELEASE_NAME = "jenkins";
export const JENKINS_PORT = 8080;

/**
 * Plugins with exact versions: the chart's defaults plus what the job and the
 * Jenkinsfile use. installLatestPlugins is off, so dependencies resolve to the
 * minimum these need instead of whatever is newest on the day of a restart.
 */
export const JENKINS_PLUGINS = [
    "kubernetes:4423.vb_59f230b_ce53",
    "workflow-aggregator:608.v67378e9d3db_1",
    "git:5.10.1",
    "configuration-as-code:2065.v7a_20a_b_d84088",
    "job-dsl:1.89",
    "github-branch-source:1826.v25e5c1e2f6a_c",
    "credentials-binding:687.v619cb_57e983f",
    "plain-credentials:189.va_6a_dd1c1a_4c4",
    "lockable-resources:1385.v089dd83a_b_a_11",
    "timestamper:1.27",
    "junit:1333.vf209c24d8b_0f",
] as const;

/** The credential IDs JCasC defines; the Jenkinsfile refers to these and only these. */
export const CREDENTIAL_IDS = {
    registry: "registry",
    pulumiAccessToken: "pulumi-access-token",
    pulumiBackendUrl: "pulumi-backend-url",
    pulumiConfigPassphrase: "pulumi-config-passphrase",
    git: "git-credentials",
} as const;

const ADMIN_SECRET = "jenkins-admin";
const PIPELINE_SECRET = "jenkins-pipeline-credentials";
const JOB_NAME = "xpto-users-api";

export interface JenkinsArgs {
    jenkins: StackConfig["jenkins"];
    registryUsername: string;
    registryToken?: pulumi.Input<string>;
}

/** The `${secret-key}` reference JCasC resolves from a mounted existing Secret. */
function fromPipelineSecret(keyName: string): string {
    return `\${${PIPELINE_SECRET}-${keyName}}`;
}

function credentialsCasc(withGit: boolean): string {
    const string = (id: string, keyName: string, description: string) =>
        ({ string: { scope: "GLOBAL", id, description, secret: fromPipelineSecret(keyName) } });
    const usernamePassword = (id: string, user: string, password: string, description: string) => ({
        usernamePassword: {
            scope: "GLOBAL", id, description, username: fromPipelineSecret(user), password: fromPipelineSecret(password),
        },
    });
    const credentials = [
        usernamePassword(CREDENTIAL_IDS.registry, "registry-username", "registry-token", "Image registry push"),
        string(CREDENTIAL_IDS.pulumiAccessToken, "pulumi-access-token", "Pulumi Cloud access token"),
        string(CREDENTIAL_IDS.pulumiBackendUrl, "pulumi-backend-url", "Pulumi backend URL"),
        string(CREDENTIAL_IDS.pulumiConfigPassphrase, "pulumi-config-passphrase", "Pulumi secrets passphrase"),
        ...(withGit ? [usernamePassword(CREDENTIAL_IDS.git, "git-username", "git-token", "Repository checkout")] : []),
    ];
    return yaml.dump({ credentials: { system: { domainCredentials: [{ credentials }] } } }, { lineWidth: -1 });
}

/** Job DSL for the multibranch job: the branches that deploy, plus pull requests. */
function jobDsl(repositoryUrl: string, withGit: boolean): string {
    const [, owner, repository] = /github\.com\/([^/]+)\/([^/]+?)(?:\.git)?$/.exec(repositoryUrl) ?? ["", "", ""];
    const credentials = withGit ? `\n            credentialsId('${CREDENTIAL_IDS.git}')` : "";
    return `multibranchPipelineJob('${JOB_NAME}') {
  displayName('XPTO users API')
  branchSources {
    branchSource {
      source {
        github {
          id('${JOB_NAME}')
          repoOwner('${owner}')
          repository('${repository}')
          repositoryUrl('${repositoryUrl}')
          configuredByUrl(true)${credentials}
          traits {
            gitHubBranchDiscovery { strategyId(1) }
            gitHubPullRequestDiscovery { strategyId(1) }
            headWildcardFilter {
              includes('master develop desenvolvimento PR-*')
              excludes('')
            }
          }
        }
      }
    }
  }
  factory { workflowBranchProjectFactory { scriptPath('Jenkinsfile') } }
  triggers { periodicFolderTrigger { interval('5m') } }
  orphanedItemStrategy { discardOldItems { daysToKeep(30); numToKeep(20) } }
}
`;
}

function jobsCasc(repositoryUrl: string, withGit: boolean): string {
    return yaml.dump({ jobs: [{ script: jobDsl(repositoryUrl, withGit) }] }, { lineWidth: -1 });
}

/**
 * Jenkins from the official Helm chart, configured entirely as code (JCasC):
 * admin login, pipeline credentials and the multibranch job. Secrets reach it
 * only through Kubernetes Secrets the chart mounts; the Helm values hold names.
 */
export class Jenkins extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly adminPassword: random.RandomPassword;
    public readonly adminSecret: k8s.core.v1.Secret;
    public readonly pipelineSecret: k8s.core.v1.Secret;
    public readonly agentServiceAccount: k8s.core.v1.ServiceAccount;
    public readonly release: k8s.helm.v3.Release;
    /** In-cluster URL of the controller. */
    public readonly url: pulumi.Output<string>;
    public readonly adminSecretName: pulumi.Output<string>;

    constructor(name: string, args: JenkinsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(JENKINS_COMPONENT_TYPE, name, {}, opts);
        const child = { parent: this };
        const config = args.jenkins;
        const labels = componentLabels("jenkins");
        const withGit = config.gitToken !== undefined;

        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: config.namespace, labels },
        }, child);
        const ns = this.namespace.metadata.name;

        this.adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, child);
        this.adminSecret = new k8s.core.v1.Secret(`${name}-admin`, {
            metadata: { name: ADMIN_SECRET, namespace: ns, labels },
            type: "Opaque",
            stringData: { "jenkins-admin-user": "admin", "jenkins-admin-password": this.adminPassword.result },
        }, child);

        // Every value the pipeline's credentials need; unused ones stay empty.
        const pipelineData: Record<string, pulumi.Input<string>> = {
            "registry-username": args.registryUsername,
            "registry-token": args.registryToken ?? "",
            "pulumi-access-token": config.pulumiAccessToken ?? "",
            "pulumi-backend-url": config.pulumiBackendUrl,
            "pulumi-config-passphrase": config.pulumiConfigPassphrase ?? "",
            ...(withGit ? { "git-username": config.gitUsername ?? "", "git-token": config.gitToken ?? "" } : {}),
        };
        this.pipelineSecret = new k8s.core.v1.Secret(`${name}-pipeline-credentials`, {
            metadata: { name: PIPELINE_SECRET, namespace: ns, labels },
            type: "Opaque",
            stringData: pulumi.secret(pipelineData),
        }, child);

        // The identity of the Jenkinsfile's agent pod; its rights in the app
        // namespaces come from each app stack's DeployerAccess.
        this.agentServiceAccount = new k8s.core.v1.ServiceAccount(`${name}-agent`, {
            metadata: { name: config.agentServiceAccount, namespace: ns, labels },
        }, child);

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
            values: jenkinsValues(config, Object.keys(pipelineData), withGit),
        }, { ...child, dependsOn: [this.adminSecret, this.pipelineSecret, this.agentServiceAccount] });

        this.url = pulumi.interpolate`http://${JENKINS_RELEASE_NAME}.${ns}.svc.cluster.local:${JENKINS_PORT}`;
        this.adminSecretName = this.adminSecret.metadata.name;
        this.registerOutputs({ url: this.url, adminSecretName: this.adminSecretName });
    }
}

/** The chart's values: names of Secrets and plain settings only, never a secret value. */
export function jenkinsValues(config: StackConfig["jenkins"], pipelineKeys: string[], withGit: boolean): Record<string, unknown> {
    return {
        controller: {
            admin: { createSecret: false, existingSecret: ADMIN_SECRET, userKey: "jenkins-admin-user", passwordKey: "jenkins-admin-password" },
            installPlugins: [...JENKINS_PLUGINS],
            installLatestPlugins: false,
            resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } },
            // Up to 15 minutes for the first start, which downloads every plugin.
            probes: { startupProbe: { failureThreshold: 90, periodSeconds: 10, timeoutSeconds: 5 } },
            serviceType: config.serviceType,
            ingress: config.ingressHost
                ? { enabled: true, apiVersion: "networking.k8s.io/v1", hostName: config.ingressHost, pathType: "Prefix", path: "/" }
                : { enabled: false },
            additionalExistingSecrets: pipelineKeys.map((keyName) => ({ name: PIPELINE_SECRET, keyName })),
            JCasC: {
                defaultConfig: true,
                configScripts: {
                    "pipeline-credentials": credentialsCasc(withGit),
                    "users-api-job": jobsCasc(config.repositoryUrl, withGit),
                },
                authorizationStrategy: "loggedInUsersCanDoAnything:\n  allowAnonymousRead: false",
            },
        },
        persistence: { enabled: true, size: config.storageSize },
        serviceAccountAgent: { create: false, name: config.agentServiceAccount },
        agent: { enabled: true },
        rbac: { create: true, readSecrets: false },
    };
}
