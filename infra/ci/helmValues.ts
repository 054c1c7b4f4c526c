import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { AGENT_ACCOUNT, agentNamespace, CHART_CLOUD_LANE, cloudOf, LAUNCHED_LANES } from "../pipeline";
import { CHART_FACTS, JENKINS_PLUGINS } from "../upstream";
import { hardenedContainer } from "../workload";
import { credentialsCasc } from "./casc/credentials";
import { cloudsCasc } from "./casc/clouds";
import { jobsCasc } from "./casc/jobs";
import { webhookCasc } from "./casc/webhook";
import { ADMIN_SECRET, GITHUB_TOKEN, GITHUB_USERNAME, launcherToken, type MountedKey, WEBHOOK_SECRET } from "./names";

/** What the chart's values are made of: plain settings and names, never a secret. */
export interface JenkinsValuesArgs {
    jenkinsNamespace: string;
    /** The GitHub repository the jobs build (https URL). */
    repositoryUrl: string;
    /** The controller Service's type. */
    serviceType: string;
    /** When set, an Ingress exposes the controller on this host. */
    ingressHost?: string;
    /** The controller's volume. */
    storageSize: string;
    /** credentialsChecksum() of what the controller reads from Secrets at start-up. */
    credentialsChecksum: pulumi.Input<string>;
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

/** The Secret keys the chart mounts for JCasC: everything JCasC refers to, and nothing else. */
export function mountedKeys(): MountedKey[] {
    return [GITHUB_USERNAME, GITHUB_TOKEN, WEBHOOK_SECRET, ...LAUNCHED_LANES.map(launcherToken)].map((key) => ({ ...key }));
}

/** The JCasC documents, by the name the chart gives each one's ConfigMap entry. */
export function cascDocuments(jenkinsNamespace: string, repositoryUrl: string): Record<string, string> {
    return {
        "credentials": credentialsCasc(),
        "github-webhook": webhookCasc(),
        "lane-clouds": cloudsCasc(jenkinsNamespace),
        "lane-jobs": jobsCasc(repositoryUrl),
    };
}

/** The chart's values: names of Secrets, plain settings and a checksum, never a secret value. */
export function jenkinsValues(args: JenkinsValuesArgs): Record<string, unknown> {
    const namespace = args.jenkinsNamespace;
    return {
        controller: {
            // createSecret must stay true: only then does the chart project the admin Secret
            // (helm-charts@jenkins-5.9.53 jenkins-controller-statefulset.yaml L369-399; secret.yaml L1)
            // (here our existingSecret) for JCasC's security realm; it creates no Secret of its own.
            admin: { createSecret: true, existingSecret: ADMIN_SECRET.name, userKey: ADMIN_SECRET.userKey, passwordKey: ADMIN_SECRET.passwordKey },
            installPlugins: pluginList(),
            // Dependencies resolve to the minimum the pins need, not whatever is newest on the day of a restart.
            installLatestPlugins: false,
            resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } },
            // Up to 15 minutes for the first start, which downloads every plugin.
            probes: { startupProbe: { failureThreshold: 90, periodSeconds: 10, timeoutSeconds: 5 } },
            // Pod Security `restricted` for the controller's namespace: the chart's containers, hardened.
            containerSecurityContext: { runAsUser: CHART_FACTS.controllerUser, runAsGroup: CHART_FACTS.controllerUser, ...hardenedContainer() },
            sidecars: { configAutoReload: { containerSecurityContext: hardenedContainer() } },
            [CHART_FACTS.podAnnotationsKey]: { "xpto.io/credentials-checksum": args.credentialsChecksum },
            serviceType: args.serviceType,
            ingress: args.ingressHost
                ? { enabled: true, hostName: args.ingressHost, pathType: "Prefix", path: "/" }
                : { enabled: false },
            [CHART_FACTS.defaultCloudNameKey]: cloudOf(CHART_CLOUD_LANE),
            additionalExistingSecrets: mountedKeys(),
            JCasC: {
                defaultConfig: true,
                configScripts: cascDocuments(namespace, args.repositoryUrl),
                authorizationStrategy: "loggedInUsersCanDoAnything:\n  allowAnonymousRead: false",
            },
        },
        // The chart's cloud (forks): pods in the fork namespace, which holds no credential; no implicit template.
        agent: { enabled: true, namespace: agentNamespace(namespace, CHART_CLOUD_LANE), disableDefaultAgent: true },
        serviceAccountAgent: { create: false, name: AGENT_ACCOUNT },
        persistence: { enabled: true, size: args.storageSize },
        rbac: { create: true, readSecrets: false },
    };
}
