/**
 * The pipeline's lanes: who builds what, as whom. Shared by the Jenkins stack
 * (which creates the identities) and the app stacks (which grant them rights
 * in their namespace), so both derive the same names.
 *
 *   lane        builds                               may change
 *   production  master                               the production stack
 *   develop     develop, desenvolvimento             the develop stack
 *   preview     pull requests and any other branch   nothing (read-only previews)
 *
 * Each lane is a Jenkins job, a Kubernetes cloud of Jenkins that only that job
 * may use, and a namespace for its agent pods holding its identity and its
 * credentials. Whoever can create pods in a namespace can run them as any
 * ServiceAccount there and read any Secret there, so the namespace is the
 * boundary: only the lane's cloud, with its own token, can create pods in it.
 */
export const LANES = ["production", "develop", "preview"] as const;
export type Lane = (typeof LANES)[number];
export const DEPLOY_LANES = ["production", "develop"] as const satisfies readonly Lane[];
export type DeployLane = (typeof DEPLOY_LANES)[number];

/** The branches each deploying lane builds; everything else is previewed. */
export const LANE_BRANCHES: Record<DeployLane, readonly string[]> = {
    production: ["master"],
    develop: ["develop", "desenvolvimento"],
};

/** The ServiceAccount the agent pods of a deploying lane run as. */
export const DEPLOYER_ACCOUNT = "deployer";
/** The ServiceAccount preview pods run as: it may read the app namespaces, never write. */
export const PREVIEWER_ACCOUNT = "previewer";
/** The Secret in each lane's agent namespace that its pods take their credentials from. */
export const LANE_CREDENTIALS_SECRET = "pipeline-credentials";

export function accountOf(lane: Lane): string {
    return lane === "preview" ? PREVIEWER_ACCOUNT : DEPLOYER_ACCOUNT;
}

/** Where a lane's agent pods run: `<jenkins namespace>-agents-<lane>`. */
export function agentNamespace(jenkinsNamespace: string, lane: Lane): string {
    return `${jenkinsNamespace}-agents-${lane}`;
}

/** The Jenkins cloud a lane launches its pods with (the Jenkinsfile names it too). */
export function cloudOf(lane: Lane): string {
    return lane;
}
