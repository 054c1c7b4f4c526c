/**
 * The pipeline's lanes: who builds what, as whom. Shared by the Jenkins stack
 * (which creates the identities) and the app stacks (which grant them rights
 * in their namespace), so both derive the same names.
 *
 *   lane        builds                                       may change     may read
 *   production  master                                       production     production's state
 *   develop     develop, desenvolvimento                     develop        develop's state
 *   preview     pull requests from this repository,          nothing        develop's state (previews)
 *               and any other branch of it
 *   fork        pull requests from forks                     nothing        nothing (install and test only)
 *
 * Each lane is a Jenkins job, a Kubernetes cloud of Jenkins, and a namespace
 * for its agent pods holding its identity and, but for forks, its
 * credentials. Whoever can create pods in a namespace can run them as any
 * ServiceAccount there and read any Secret there, so the namespace is the
 * boundary: only the lane's cloud, with its own token, creates pods in it.
 *
 * Every lane but production's runs code that master's reviewers have not
 * merged: its author controls the Jenkinsfile, the pod files, the npm scripts
 * and the program. So nothing production holds is given to those lanes, and
 * what they can do is bounded by the cluster (RBAC, admission, NetworkPolicy),
 * never by code a branch can edit.
 */
export const LANES = ["production", "develop", "preview", "fork"] as const;
export type Lane = (typeof LANES)[number];
export const DEPLOY_LANES = ["production", "develop"] as const satisfies readonly Lane[];
export type DeployLane = (typeof DEPLOY_LANES)[number];

/**
 * Lanes with a launcher of their own: a ServiceAccount whose token is the
 * credential of a usage-restricted cloud that only the lane's job may use.
 * The fork lane holds nothing, so it uses the chart's own cloud, open to
 * every job.
 */
export const LAUNCHED_LANES = ["production", "develop", "preview"] as const satisfies readonly Lane[];
export type LaunchedLane = (typeof LAUNCHED_LANES)[number];
/** The lane of the chart's own cloud. */
export const CHART_CLOUD_LANE = "fork" as const satisfies Lane;

/**
 * The one app stack previews read. Reading a stack's state decrypts its
 * secrets (Pulumi Cloud's Stack Read, or a passphrase), so production's is
 * read by its own lane alone: a pull request into master previews develop.
 */
export const PREVIEWED_LANE = "develop" as const satisfies DeployLane;

/** The branches each deploying lane builds; every other branch of the repository is previewed. */
export const LANE_BRANCHES: Record<DeployLane, readonly string[]> = {
    production: ["master"],
    develop: ["develop", "desenvolvimento"],
};

/** The ServiceAccount every lane's agent pods run as, in the lane's namespace (its rights differ by lane). */
export const AGENT_ACCOUNT = "pipeline-agent";
/** The Secret in each lane's agent namespace that its pods take their credentials from (none in the fork lane). */
export const LANE_CREDENTIALS_SECRET = "pipeline-credentials";
/** Namespace label naming the lane whose agents run there. */
export const LANE_LABEL = "xpto.io/pipeline-lane";
/**
 * Namespace label on every namespace where code that is not master's runs:
 * the develop app namespace and the develop, preview and fork lanes. The
 * API's NetworkPolicy admits no pod from such a namespace.
 */
export const UNTRUSTED_LABEL = "xpto.io/untrusted-code";

/** Lanes whose code is not master's. */
export function isUntrusted(lane: Lane): boolean {
    return lane !== "production";
}

/** Where a lane's agent pods run: `<jenkins namespace>-agents-<lane>`. */
export function agentNamespace(jenkinsNamespace: string, lane: Lane): string {
    return `${jenkinsNamespace}-agents-${lane}`;
}

/** The Jenkins cloud a lane launches its pods with (the Jenkinsfile names it too). */
export function cloudOf(lane: Lane): string {
    return lane;
}

/** The ServiceAccount, in Jenkins' namespace, whose token launches a lane's pods. */
export function launcherOf(lane: LaunchedLane): string {
    return `launcher-${lane}`;
}
