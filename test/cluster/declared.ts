// What the program declares, as plain Kubernetes manifests, for each committed
// stack and each config variant the unit tests use; and the pipeline
// identities those manifests bind. Everything here is derived from a run of
// the program under the shared mocks (test/harness.ts).
import { PROJECT } from "../../infra/config";
import { kubernetesObjects, RunOptions, runProgram, SENTINELS, StackName, stackFileConfig, STACKS } from "../harness";
import { plain } from "../kubernetesSchema";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are read loosely */
export type Manifest = any;

export interface Variant {
    /** How the suite's output names it. */
    name: string;
    stack: StackName;
    /** The unit test that runs the program this way. */
    usedBy: string;
    settings?: Record<string, string>;
    options?: Omit<RunOptions, "config">;
    /** Where this variant is applied, so that it does not collide with its stack's objects. */
    namespaceSuffix?: string;
}

/** The committed stacks, then the variants of test/program.test.ts, test/config.test.ts and test/jenkins.test.ts. */
export const VARIANTS: Variant[] = [
    ...STACKS.map((stack): Variant => ({ name: stack, stack, usedBy: `Pulumi.${stack}.yaml` })),
    {
        name: "develop with mongo:7.0", stack: "develop", settings: { mongoImage: "mongo:7.0" }, namespaceSuffix: "mongo7",
        usedBy: "program.test.ts: probes with mongosh and creates the application user with mongosh",
    },
    {
        name: "develop with the token from DOCKER_HUB_TOKEN", stack: "develop", options: { tokenFrom: "env" }, namespaceSuffix: "token-env",
        usedBy: "program.test.ts: the DOCKER_HUB_TOKEN of the pipeline works in place of secret config",
    },
    {
        name: "develop built from Jenkins' GIT_COMMIT", stack: "develop", options: { env: { GIT_COMMIT: "feedface".repeat(5) } },
        namespaceSuffix: "git-commit", usedBy: "config.test.ts: the image tag is Jenkins' GIT_COMMIT",
    },
    {
        name: "production with a private git repository", stack: "production", settings: { jenkinsGitUsername: "xpto-bot" },
        options: { secrets: { [`${PROJECT}:jenkinsGitToken`]: SENTINELS.gitToken } }, namespaceSuffix: "private-repo",
        usedBy: "jenkins.test.ts: a private repository gets checkout credentials from secret config",
    },
    {
        name: "production with Jenkins on a LoadBalancer and an ingress host", stack: "production",
        settings: { jenkinsServiceType: "LoadBalancer", jenkinsIngressHost: "jenkins.xpto.example" }, namespaceSuffix: "exposed",
        usedBy: "jenkins.test.ts: exposure is an explicit choice: a LoadBalancer, or an Ingress on a host",
    },
];

export interface Declared {
    variant: Variant;
    /** Every Kubernetes object, Helm releases aside, as the provider would send it. */
    manifests: Manifest[];
    /** The Helm releases left out (no chart can be fetched here). */
    helmReleases: string[];
}

function prefixed(settings: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v]));
}

async function declare(variant: Variant, extra: Record<string, string> = {}): Promise<Declared> {
    const config = { ...stackFileConfig(variant.stack), ...prefixed({ ...variant.settings, ...extra }) };
    const run = await runProgram(variant.stack, { ...variant.options, config });
    return {
        variant,
        manifests: kubernetesObjects(run).map((r) => plain(r.inputs)),
        helmReleases: run.resources.filter((r) => r.type.includes(":helm.sh/")).map((r) => `${r.type} ${r.name}`),
    };
}

const canonical = (d: Declared) => JSON.stringify(d.manifests);

export interface Plan {
    /** What the suite applies: the stacks, and each variant whose objects differ from its stack's. */
    applied: Declared[];
    /** Variants whose Kubernetes objects are exactly their stack's (they differ elsewhere, e.g. in Helm values). */
    sameAsStack: Variant[];
}

/**
 * Runs the program for every variant. A variant that declares other objects
 * than its stack is run again in namespaces of its own (`<stack>-<suffix>`,
 * `jenkins-<suffix>`), so that every variant can live on one server at once.
 */
export async function planVariants(): Promise<Plan> {
    const stacks = new Map<string, Declared>();
    const plan: Plan = { applied: [], sameAsStack: [] };
    for (const variant of VARIANTS) {
        const declared = await declare(variant);
        const stack = stacks.get(variant.stack);
        if (!variant.namespaceSuffix) {
            stacks.set(variant.stack, declared);
            plan.applied.push(declared);
        } else if (stack && canonical(stack) === canonical(declared)) {
            plan.sameAsStack.push(variant);
        } else {
            const own = { namespace: `${variant.stack}-${variant.namespaceSuffix}`, jenkinsNamespace: `jenkins-${variant.namespaceSuffix}` };
            plan.applied.push(await declare(variant, own));
        }
    }
    return plan;
}

export const isNamespace = (m: Manifest) => m.kind === "Namespace" && m.apiVersion === "v1";
export const describeObject = (m: Manifest) => `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ""}${m.metadata.name}`;

/** The built-in ClusterRoles that only read (Kubernetes' user-facing roles). */
export const READ_ONLY_CLUSTER_ROLES = ["view"];
const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection", "*"];

export interface Identity {
    namespace: string;
    name: string;
    /** `system:serviceaccount:<namespace>:<name>`. */
    user: string;
    /** Namespaces where a binding lets it change objects: it runs `pulumi up` there. */
    deploys: string[];
    /** Namespaces where it is bound to read-only roles only. */
    reads: string[];
    /** The bindings that say so, for the suite's output. */
    bindings: string[];
}

/**
 * Every ServiceAccount subject of a RoleBinding or ClusterRoleBinding the
 * program declares, with the namespaces it is bound in. A binding to a role
 * with a write verb makes it a deployer there; a binding only to `view` (or a
 * declared role without write verbs), a reader.
 */
export function identitiesOf(manifests: Manifest[]): Identity[] {
    const roles = new Map<string, Manifest>();
    for (const m of manifests) {
        if (m.kind === "Role") roles.set(`Role/${m.metadata.namespace}/${m.metadata.name}`, m);
        if (m.kind === "ClusterRole") roles.set(`ClusterRole/${m.metadata.name}`, m);
    }
    const writes = (binding: Manifest): boolean => {
        const ref = binding.roleRef;
        if (ref.kind === "ClusterRole" && READ_ONLY_CLUSTER_ROLES.includes(ref.name)) return false;
        const role = roles.get(ref.kind === "Role" ? `Role/${binding.metadata.namespace}/${ref.name}` : `ClusterRole/${ref.name}`);
        if (!role) return true; // a built-in role other than view (edit, admin, …): expect it to write
        return (role.rules ?? []).some((r: Manifest) => (r.verbs as string[]).some((v) => WRITE_VERBS.includes(v)));
    };
    const found = new Map<string, Identity>();
    for (const binding of manifests.filter((m) => m.kind === "RoleBinding" || m.kind === "ClusterRoleBinding")) {
        for (const s of (binding.subjects ?? []) as Manifest[]) {
            if (s.kind !== "ServiceAccount") continue;
            const key = `${s.namespace}/${s.name}`;
            const identity: Identity = found.get(key) ?? {
                namespace: s.namespace, name: s.name, user: `system:serviceaccount:${s.namespace}:${s.name}`,
                deploys: [], reads: [], bindings: [],
            };
            found.set(key, identity);
            identity.bindings.push(`${binding.kind} ${describeObject(binding).split(" ")[1]} -> ${binding.roleRef.kind} ${binding.roleRef.name}`);
            if (binding.kind !== "RoleBinding") continue; // cluster-wide: the checks "elsewhere" show what it allows
            const ns = binding.metadata.namespace as string;
            const list: string[] = writes(binding) ? identity.deploys : identity.reads;
            if (!list.includes(ns)) list.push(ns);
        }
    }
    for (const identity of found.values()) identity.reads = identity.reads.filter((ns) => !identity.deploys.includes(ns));
    return [...found.values()];
}
