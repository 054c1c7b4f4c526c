// What the program declares, as plain Kubernetes manifests, for each committed
// stack and each config variant the unit tests use; and the pipeline
// identities those manifests bind. Everything here is derived from a run of
// the program under the shared mocks (test/harness.ts) and from the Jenkinsfile.
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../../infra/config";
import {
    kubernetesObjects, ROOT, RunOptions, runProgram, SENTINELS, StackName, stackFileConfig, STACKS, urnOf,
} from "../harness";
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
    /**
     * Settings that move the variant into namespaces of its own, so that it
     * lives on the server beside its stack (used only when its objects differ).
     */
    own?: Record<string, string>;
}

const developRepository = () => stackFileConfig("develop")[`${PROJECT}:imageRepository`];

/** The committed stacks, then the variants of test/app/*.test.ts, test/config.test.ts and test/jenkins.test.ts. */
export const VARIANTS: Variant[] = [
    ...STACKS.map((stack): Variant => ({ name: stack, stack, usedBy: `Pulumi.${stack}.yaml` })),
    {
        name: "develop with mongo:7.0", stack: "develop", settings: { mongoImage: "mongo:7.0" }, own: { namespace: "develop-mongo7" },
        usedBy: "app/mongodb.test.ts: probes with mongosh and creates the application user with mongosh",
    },
    {
        name: "develop as its lane's pipeline runs it, in a preview", stack: "develop", options: { secretsFrom: "nowhere", dryRun: true },
        own: { namespace: "develop-pipeline" }, usedBy: "config.test.ts: develop parses exactly as its lane's pipeline has it",
    },
    {
        name: "develop built from Jenkins' GIT_COMMIT", stack: "develop", options: { env: { GIT_COMMIT: "feedface".repeat(5) } },
        own: { namespace: "develop-git-commit" }, usedBy: "config.test.ts: the image tag is Jenkins' GIT_COMMIT",
    },
    {
        name: "production rolled back to an earlier image", stack: "production", settings: { apiImageDigest: `sha256:${"9f".repeat(32)}` },
        own: { namespace: "production-rollback" }, usedBy: "app/apiImage.test.ts: rollback to an earlier image",
    },
    {
        name: "develop pushing to a registry with a port", stack: "develop", settings: { imageRepository: "127.0.0.1:5001/xpto/users-api" },
        own: { namespace: "develop-registry-port" }, usedBy: "app/apiImage.test.ts: builds and pushes to a registry with a port",
    },
    {
        name: "develop pulling from a private repository", stack: "develop",
        settings: { imageRepository: developRepository(), imageRepositoryPrivate: "true", registryUsername: "xptopull" },
        options: { secrets: { [`${PROJECT}:registryPullToken`]: SENTINELS.secret("registryPullToken") } },
        own: { namespace: "develop-private-registry" }, usedBy: "app/apiImage.test.ts: a private repository: the pods pull with a Secret",
    },
    {
        name: "jenkins with an S3 backend", stack: "jenkins", settings: { pipelineBackendUrl: "s3://xpto-state?region=eu-west-1" },
        own: { jenkinsNamespace: "jenkins-s3" }, usedBy: "jenkins.test.ts: with an S3 backend: each lane its keys",
    },
    {
        name: "jenkins with a rotated GitHub token", stack: "jenkins",
        options: { secrets: { [`${PROJECT}:jenkinsGitHubToken`]: "SENTINEL-rotated" } },
        own: { jenkinsNamespace: "jenkins-rotated" }, usedBy: "jenkins.test.ts: a changed GitHub token rolls the controller",
    },
    {
        name: "jenkins on a LoadBalancer and an ingress host", stack: "jenkins",
        settings: { jenkinsServiceType: "LoadBalancer", jenkinsIngressHost: "jenkins.xpto.example" },
        own: { jenkinsNamespace: "jenkins-exposed" }, usedBy: "jenkins.test.ts: exposure is an explicit choice",
    },
];

export interface Declared {
    variant: Variant;
    /** Every Kubernetes object, Helm releases aside, as the provider would send it. */
    manifests: Manifest[];
    /** Keys (see `keyOf`) of the objects the pipeline's own runs exclude (the Jenkinsfile's --exclude). */
    excludedFromPipeline: Set<string>;
    /** The Helm releases left out (no chart can be fetched here). */
    helmReleases: string[];
}

export const keyOf = (m: Manifest) => `${m.kind}/${m.metadata.namespace ?? ""}/${m.metadata.name}`;

function prefixed(settings: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v]));
}

/** The URN globs the Jenkinsfile passes to `pulumi up --exclude`, as expressions for one stack. */
function pipelineExclusions(stack: string): RegExp[] {
    const jenkinsfile = fs.readFileSync(path.join(ROOT, "Jenkinsfile"), "utf8");
    return [...jenkinsfile.matchAll(/--exclude '([^']+)'/g)].map(([, glob]) => new RegExp(`^${glob.replace("${stack}", stack)
        .split("**").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`));
}

/** Runs the program for one variant (test/node/ runs the committed stacks this way). */
export async function declare(variant: Variant, extra: Record<string, string> = {}): Promise<Declared> {
    const config = { ...stackFileConfig(variant.stack), ...prefixed({ ...variant.settings, ...extra }) };
    const run = await runProgram(variant.stack, { ...variant.options, config });
    const objects = kubernetesObjects(run);
    const exclusions = pipelineExclusions(variant.stack);
    return {
        variant,
        manifests: objects.map((r) => plain(r.inputs)),
        excludedFromPipeline: new Set(objects.filter((r) => exclusions.some((e) => e.test(urnOf(run, r))))
            .map((r) => keyOf(plain(r.inputs)))),
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
 * than its stack is run again with its `own` namespaces, so that every
 * variant can live on one server at once.
 */
export async function planVariants(): Promise<Plan> {
    const stacks = new Map<string, Declared>();
    const plan: Plan = { applied: [], sameAsStack: [] };
    for (const variant of VARIANTS) {
        const declared = await declare(variant);
        const stack = stacks.get(variant.stack);
        if (!variant.own) {
            stacks.set(variant.stack, declared);
            plan.applied.push(declared);
        } else if (stack && canonical(stack) === canonical(declared)) {
            plan.sameAsStack.push(variant);
        } else {
            plan.applied.push(await declare(variant, variant.own));
        }
    }
    return plan;
}

export const isNamespace = (m: Manifest) => m.kind === "Namespace" && m.apiVersion === "v1";
export const describeObject = (m: Manifest) => `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ""}${m.metadata.name}`;

/** The built-in ClusterRoles that only read (Kubernetes' user-facing roles). */
export const READ_ONLY_CLUSTER_ROLES = ["view"];
const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection", "*"];

/** A declared object's API group and resource (the plural), as RBAC names them. */
export type ResourceOf = (m: Manifest) => { group: string; resource: string };

export interface Identity {
    namespace: string;
    name: string;
    /** `system:serviceaccount:<namespace>:<name>`. */
    user: string;
    /** Namespaces where a binding lets it change objects the program declares there: it runs `pulumi up` there. */
    deploys: string[];
    /** Namespaces where it is bound to read-only roles only. */
    reads: string[];
    /** Namespaces where its roles write only kinds the program does not declare there (e.g. an agent launcher's pods). */
    other: string[];
    /** The bindings that say so, for the suite's output. */
    bindings: string[];
}

/**
 * Every ServiceAccount subject of a RoleBinding or ClusterRoleBinding the
 * program declares, with the namespaces it is bound in. A binding to a role
 * that may write a kind the program declares in that namespace makes it a
 * deployer there; a binding only to `view` (or a role without write verbs), a
 * reader; any other binding, an identity with other rights there.
 */
export function identitiesOf(manifests: Manifest[], resourceOf: ResourceOf): Identity[] {
    const roles = new Map<string, Manifest>();
    for (const m of manifests) {
        if (m.kind === "Role") roles.set(`Role/${m.metadata.namespace}/${m.metadata.name}`, m);
        if (m.kind === "ClusterRole") roles.set(`ClusterRole/${m.metadata.name}`, m);
    }
    const rulesOf = (binding: Manifest): Manifest[] | undefined => {
        const ref = binding.roleRef;
        if (ref.kind === "ClusterRole" && READ_ONLY_CLUSTER_ROLES.includes(ref.name)) return [];
        const role = roles.get(ref.kind === "Role" ? `Role/${binding.metadata.namespace}/${ref.name}` : `ClusterRole/${ref.name}`);
        return role?.rules; // undefined: a built-in role other than view (edit, admin, …), expected to write
    };
    const classify = (binding: Manifest): "deploys" | "reads" | "other" => {
        const rules = rulesOf(binding);
        if (rules === undefined) return "deploys";
        const writing = rules.filter((r: Manifest) => (r.verbs as string[]).some((v) => WRITE_VERBS.includes(v)));
        if (writing.length === 0) return "reads";
        const declaredHere = manifests.filter((m) => m.metadata.namespace === binding.metadata.namespace).map(resourceOf);
        const writesDeclared = writing.some((r: Manifest) => declaredHere.some((d) =>
            (r.apiGroups as string[]).some((g) => g === "*" || g === d.group) &&
            (r.resources as string[]).some((x) => x === "*" || x === d.resource)));
        return writesDeclared ? "deploys" : "other";
    };
    const found = new Map<string, Identity>();
    for (const binding of manifests.filter((m) => m.kind === "RoleBinding" || m.kind === "ClusterRoleBinding")) {
        for (const s of (binding.subjects ?? []) as Manifest[]) {
            if (s.kind !== "ServiceAccount") continue;
            const key = `${s.namespace}/${s.name}`;
            const identity: Identity = found.get(key) ?? {
                namespace: s.namespace, name: s.name, user: `system:serviceaccount:${s.namespace}:${s.name}`,
                deploys: [], reads: [], other: [], bindings: [],
            };
            found.set(key, identity);
            identity.bindings.push(`${binding.kind} ${describeObject(binding).split(" ")[1]} -> ${binding.roleRef.kind} ${binding.roleRef.name}`);
            if (binding.kind !== "RoleBinding") continue; // cluster-wide: the checks "elsewhere" show what it allows
            const list = identity[classify(binding)];
            if (!list.includes(binding.metadata.namespace)) list.push(binding.metadata.namespace);
        }
    }
    for (const identity of found.values()) {
        identity.reads = identity.reads.filter((ns) => !identity.deploys.includes(ns));
        identity.other = identity.other.filter((ns) => !identity.deploys.includes(ns) && !identity.reads.includes(ns));
    }
    return [...found.values()];
}
