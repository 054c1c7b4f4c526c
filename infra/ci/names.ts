/**
 * The names Jenkins' controller is configured by: its Secrets and their keys,
 * the credential IDs JCasC defines, the jobs and the controller's addresses. The component creates the
 * Secrets, the Helm values mount them and JCasC refers to them, all by these
 * names. The lanes' own names (accounts, launchers, their token Secrets) are
 * in infra/pipeline.ts, which the app stacks read too.
 */
import { type Lane, type LaunchedLane, launcherOf, launcherTokenSecretOf, SERVICE_ACCOUNT_TOKEN_KEY } from "../pipeline";
import { CHART_FACTS, JENKINS_RELEASE_NAME } from "../upstream";
import { serviceDnsName } from "../workload";

/** One key of a Secret the chart mounts for JCasC (a `controller.additionalExistingSecrets` entry). */
export interface MountedKey {
    name: string;
    keyName: string;
}

/** The admin login the chart projects for JCasC's security realm. */
export const ADMIN_SECRET = { name: "jenkins-admin", userKey: "jenkins-admin-user", passwordKey: "jenkins-admin-password" } as const;

/** The GitHub user and token of the scans and checkouts. */
export const GITHUB_SECRET = "jenkins-github";
export const GITHUB_USERNAME: MountedKey = { name: GITHUB_SECRET, keyName: "username" };
export const GITHUB_TOKEN: MountedKey = { name: GITHUB_SECRET, keyName: "token" };

/** The secret GitHub signs webhook deliveries with. */
export const WEBHOOK_SECRET: MountedKey = { name: "jenkins-github-webhook", keyName: "secret" };

/** A launched lane's ServiceAccount token, the credential of the lane's cloud. */
export function launcherToken(lane: LaunchedLane): MountedKey {
    return { name: launcherTokenSecretOf(lane), keyName: SERVICE_ACCOUNT_TOKEN_KEY };
}

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

/** The controller's web address, as pods in any namespace reach it. */
export function controllerUrl(jenkinsNamespace: string): string {
    return `http://${serviceDnsName(JENKINS_RELEASE_NAME, jenkinsNamespace)}:${CHART_FACTS.httpPort}`;
}

/** Where agents connect back to the controller (the chart's `<release>-agent` Service). */
export function controllerTunnel(jenkinsNamespace: string): string {
    return `${serviceDnsName(`${JENKINS_RELEASE_NAME}-agent`, jenkinsNamespace)}:${CHART_FACTS.agentPort}`;
}
