// What `pulumi up` asks of the API server for each kind it manages, sent for
// real as one identity, with the outcome each request must have. The requests
// follow @pulumi/kubernetes 4.x (provider/pkg/await in pulumi/pulumi-kubernetes):
//   - create and update are server-side apply PATCHes (a dry-run one in preview),
//     after a GET of the live object; JSON patches fix up field managers;
//   - delete is a foreground DELETE (the object stays until the garbage
//     collector removes it), awaited with an informer — list and watch — of
//     the kind in the namespace (await.go Deletion, condition/source.go);
//   - every await follows the namespace's Events (watchers.go), and what the
//     controllers make: a Deployment's ReplicaSets, Pods and PVCs
//     (deployment.go), a StatefulSet's Pods (statefulset.go), a Service's
//     Endpoints (service.go).
import type { Manifest } from "./declared";
import { describeObject } from "./declared";
import type { Discovery, Kube, Reply } from "./controlPlane";

export type Outcome = "allowed" | "forbidden" | "absent";

export interface Check {
    what: string;
    expected: Outcome;
    status: number;
    message: string;
}

/**
 * The field manager of the stack's applies. Pulumi keeps one per resource in
 * the stack's state, so the operator's `pulumi up` and the pipeline's share it:
 * the suite's admin apply and the identities' requests use the same one.
 */
export const FIELD_MANAGER = "pulumi-kubernetes-xpto";
const APPLY = "application/apply-patch+yaml";
const PROBE_LABEL = "xpto.test/probe";

/**
 * What the provider's informers list and watch in the namespace for a kind,
 * as [apiVersion, kind], besides the kind itself (deletion waits on an
 * informer of it) and the namespace's Events (an event aggregator follows
 * every await).
 */
export const AWAIT_WATCHES: Record<string, [string, string][]> = {
    Deployment: [["apps/v1", "ReplicaSet"], ["v1", "Pod"], ["v1", "PersistentVolumeClaim"]],
    StatefulSet: [["v1", "Pod"]],
    Service: [["v1", "Endpoints"]],
};

/** Records each request's outcome against what it must be. */
export class Recorder {
    readonly checks: Check[] = [];

    constructor(private readonly kube: Kube) {}

    async expect(expected: Outcome, what: string, method: string, path: string,
        options: Parameters<Kube["request"]>[2] = {}): Promise<Reply> {
        const reply = await this.kube.request(method, path, options);
        this.checks.push({ what, expected, status: reply.status, message: reply.message });
        return reply;
    }

    /** Every check whose outcome was not the expected one, one line each. */
    mismatches(): string[] {
        return this.checks.filter((c) => !matches(c)).map((c) =>
            `${c.what}: expected ${c.expected}, got ${c.status} ${c.message.replace(/\s*\n\s*/g, " ").slice(0, 400)}`);
    }

    forbiddenMessages(): string[] {
        return this.checks.filter((c) => c.status === 403).map((c) => c.message);
    }
}

function matches(c: Check): boolean {
    if (c.expected === "forbidden") return c.status === 403;
    if (c.expected === "absent") return c.status === 404;
    return c.status >= 200 && c.status < 300;
}

/** A copy of a declared object under another name (and maybe namespace), marked as the suite's. */
export function probeCopy(m: Manifest, namespace: string): Manifest {
    const copy = JSON.parse(JSON.stringify(m));
    copy.metadata = { ...copy.metadata, name: `${m.metadata.name}-probe`, namespace };
    copy.metadata.labels = { ...copy.metadata.labels, [PROBE_LABEL]: "true" };
    return copy;
}

async function urls(discovery: Discovery, m: Manifest) {
    const collection = await discovery.collection(m.apiVersion, m.kind, m.metadata.namespace);
    return { collection, item: `${collection}/${m.metadata.name}` };
}

const applyQuery = (extra: Record<string, string> = {}) => ({ fieldManager: FIELD_MANAGER, ...extra });

async function waitUntilGone(kube: Kube, item: string, seconds = 60): Promise<boolean> {
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
        if ((await kube.request("GET", item)).status === 404) return true;
        await new Promise((r) => setTimeout(r, 250));
    }
    return false;
}

/**
 * The life of one object under `pulumi up`, on a copy of a declared object so
 * the stack's own objects stay as applied: preview (dry-run apply), create
 * (GET 404, apply), read, update (apply, JSON patch, PUT), delete
 * (foreground, awaited) and re-create (a replacement), then clean-up.
 */
export async function lifecycleAllowed(rec: Recorder, kube: Kube, discovery: Discovery, declared: Manifest): Promise<void> {
    const m = probeCopy(declared, declared.metadata.namespace);
    const { item } = await urls(discovery, m);
    const name = describeObject(m);
    await rec.expect("absent", `${name}: get before create`, "GET", item);
    await rec.expect("allowed", `${name}: preview (server-side dry-run apply)`, "PATCH", item,
        { body: m, contentType: APPLY, query: applyQuery({ dryRun: "All" }) });
    await rec.expect("allowed", `${name}: create (server-side apply)`, "PATCH", item, { body: m, contentType: APPLY, query: applyQuery() });
    const live = await rec.expect("allowed", `${name}: get`, "GET", item);
    const changed = { ...m, metadata: { ...m.metadata, labels: { ...m.metadata.labels, [PROBE_LABEL]: "updated" } } };
    await rec.expect("allowed", `${name}: update (server-side apply)`, "PATCH", item, { body: changed, contentType: APPLY, query: applyQuery() });
    await rec.expect("allowed", `${name}: patch (JSON patch)`, "PATCH", item, {
        body: [{ op: "add", path: "/metadata/annotations", value: { "xpto.test/patched": "true" } }],
        contentType: "application/json-patch+json",
    });
    if (live.status === 200) {
        // A controller may write the status between GET and PUT: like any client, retry on 409 Conflict.
        for (let attempt = 1; ; attempt++) {
            const current = (await kube.request("GET", item)).body;
            current.metadata.labels[PROBE_LABEL] = "put";
            const put = await kube.request("PUT", item, { body: current, query: { fieldManager: FIELD_MANAGER } });
            if (put.status !== 409 || attempt === 5) {
                rec.checks.push({ what: `${name}: update (PUT)`, expected: "allowed", status: put.status, message: put.message });
                break;
            }
        }
    }
    const deleted = await rec.expect("allowed", `${name}: delete (foreground)`, "DELETE", item, { body: { propagationPolicy: "Foreground" } });
    if (deleted.status < 300) {
        rec.checks.push({
            what: `${name}: deletion completes (garbage collector)`, expected: "allowed",
            status: (await waitUntilGone(kube, item)) ? 200 : 408, message: "still there after 60 s",
        });
    }
    await rec.expect("allowed", `${name}: re-create (replacement)`, "PATCH", item, { body: m, contentType: APPLY, query: applyQuery() });
    await rec.expect("allowed", `${name}: clean-up delete`, "DELETE", item, { body: { propagationPolicy: "Background" } });
}

/** `pulumi up` on an object that already exists as declared: read it, then apply it unchanged. */
export async function existingAllowed(rec: Recorder, discovery: Discovery, m: Manifest): Promise<void> {
    const { item } = await urls(discovery, m);
    await rec.expect("allowed", `${describeObject(m)}: refresh (get)`, "GET", item);
    await rec.expect("allowed", `${describeObject(m)}: update as declared (server-side apply)`, "PATCH", item,
        { body: m, contentType: APPLY, query: applyQuery() });
}

/** List and watch of everything the await logic follows for a declared object's kind, in its namespace. */
export async function awaitWatchesAllowed(rec: Recorder, discovery: Discovery, m: Manifest): Promise<void> {
    const namespace = m.metadata.namespace;
    const followed: [string, string][] = [[m.apiVersion, m.kind], ["v1", "Event"], ...(AWAIT_WATCHES[m.kind] ?? [])];
    for (const [apiVersion, watched] of followed) {
        const collection = await discovery.collection(apiVersion, watched, namespace);
        await rec.expect("allowed", `${m.kind} await: list ${watched} in ${namespace}`, "GET", collection);
        await rec.expect("allowed", `${m.kind} await: watch ${watched} in ${namespace}`, "GET", collection,
            { query: { watch: "1" }, headersOnly: true });
    }
}

/** Every write `pulumi up` would make on a declared object, each of which must be refused. */
export async function writesForbidden(rec: Recorder, discovery: Discovery, declared: Manifest, namespace: string, real = true): Promise<void> {
    const targets = real ? [declared, probeCopy(declared, namespace)] : [probeCopy(declared, namespace)];
    for (const m of targets) {
        const { item } = await urls(discovery, m);
        const name = describeObject(m);
        await rec.expect("forbidden", `${name}: preview (server-side dry-run apply)`, "PATCH", item,
            { body: m, contentType: APPLY, query: applyQuery({ dryRun: "All" }) });
        await rec.expect("forbidden", `${name}: create or update (server-side apply)`, "PATCH", item, { body: m, contentType: APPLY, query: applyQuery() });
        await rec.expect("forbidden", `${name}: patch (merge patch)`, "PATCH", item,
            { body: { metadata: { labels: { [PROBE_LABEL]: "x" } } }, contentType: "application/merge-patch+json" });
        await rec.expect("forbidden", `${name}: update (PUT)`, "PUT", item, { body: m });
        await rec.expect("forbidden", `${name}: delete`, "DELETE", item);
    }
}

/** Reads of a kind that must be refused: get, list, watch. */
export async function readsForbidden(rec: Recorder, discovery: Discovery, m: Manifest): Promise<void> {
    const { collection, item } = await urls(discovery, m);
    await rec.expect("forbidden", `${describeObject(m)}: get`, "GET", item);
    await rec.expect("forbidden", `${m.kind} in ${m.metadata.namespace}: list`, "GET", collection);
    await rec.expect("forbidden", `${m.kind} in ${m.metadata.namespace}: watch`, "GET", collection, { query: { watch: "1" }, headersOnly: true });
}

export async function readsAllowed(rec: Recorder, discovery: Discovery, m: Manifest): Promise<void> {
    const { collection, item } = await urls(discovery, m);
    await rec.expect("allowed", `${describeObject(m)}: get`, "GET", item);
    await rec.expect("allowed", `${m.kind} in ${m.metadata.namespace}: list`, "GET", collection);
    await rec.expect("allowed", `${m.kind} in ${m.metadata.namespace}: watch`, "GET", collection, { query: { watch: "1" }, headersOnly: true });
}

/** Cluster-wide requests no pipeline identity may make. */
export async function clusterWideForbidden(rec: Recorder, user: string): Promise<void> {
    const rbac = "/apis/rbac.authorization.k8s.io/v1";
    await rec.expect("forbidden", "create a Namespace", "POST", "/api/v1/namespaces",
        { body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "probe-new-namespace" } } });
    await rec.expect("forbidden", "create a Namespace (server-side apply)", "PATCH", "/api/v1/namespaces/probe-new-namespace",
        { body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "probe-new-namespace" } }, contentType: APPLY, query: applyQuery() });
    await rec.expect("forbidden", "list Namespaces", "GET", "/api/v1/namespaces");
    await rec.expect("forbidden", "list Secrets in all namespaces", "GET", "/api/v1/secrets");
    await rec.expect("forbidden", "create a ClusterRole", "POST", `${rbac}/clusterroles`, {
        body: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "probe-cluster-role" }, rules: [] },
    });
    await rec.expect("forbidden", "bind itself to cluster-admin cluster-wide", "POST", `${rbac}/clusterrolebindings`, {
        body: bindingTo("ClusterRoleBinding", "probe-cluster-admin", undefined, "cluster-admin", user),
    });
}

function subjectOf(user: string) {
    const [, , namespace, name] = user.split(":");
    return { kind: "ServiceAccount", name, namespace };
}

function bindingTo(kind: string, name: string, namespace: string | undefined, clusterRole: string, user: string) {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole },
        subjects: [subjectOf(user)],
    };
}

/** RBAC's escalation guard: no new binding or rule beyond what the identity already holds. */
export async function escalationForbidden(rec: Recorder, namespace: string, user: string, ownRole?: Manifest): Promise<void> {
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
    await rec.expect("forbidden", `bind itself to cluster-admin in ${namespace}`, "POST", `${rbac}/rolebindings`,
        { body: bindingTo("RoleBinding", "probe-cluster-admin", namespace, "cluster-admin", user) });
    await rec.expect("forbidden", `create a Role in ${namespace} with rules it does not hold (pods/exec, all verbs on secrets)`,
        "POST", `${rbac}/roles`, {
            body: {
                apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "probe-wider-role", namespace },
                rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }, { apiGroups: [""], resources: ["secrets"], verbs: ["*"] }],
            },
        });
    if (ownRole) {
        await rec.expect("forbidden", `widen its own Role ${ownRole.metadata.name} in ${namespace} (add pods/exec)`, "PATCH",
            `${rbac}/roles/${ownRole.metadata.name}`, {
                body: [{ op: "add", path: "/rules/-", value: { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] } }],
                contentType: "application/json-patch+json",
            });
    }
}

/** Get and patch of a Namespace object (Namespaces are cluster-scoped: a ClusterRole grants them). */
export async function namespaceObject(rec: Recorder, get: Outcome, patch: Outcome, m: Manifest): Promise<void> {
    const item = `/api/v1/namespaces/${m.metadata.name}`;
    await rec.expect(get, `Namespace ${m.metadata.name}: get`, "GET", item);
    await rec.expect(patch, `Namespace ${m.metadata.name}: update as declared (server-side apply)`, "PATCH", item,
        { body: m, contentType: APPLY, query: applyQuery() });
}

const WRITES = ["create", "update", "patch", "delete"];

/**
 * RBAC's own answer (SelfSubjectAccessReview) for every write on every
 * namespaced resource and subresource the server serves (pods/exec,
 * deployments/scale, serviceaccounts/token, …), except the kinds listed as
 * managed: each must be denied.
 */
export async function otherWritesDenied(kube: Kube, discovery: Discovery, namespace: string,
    managed: { group: string; resource: string }[]): Promise<{ asked: number; allowed: string[] }> {
    const isManaged = (group: string, resource: string) => managed.some((m) => m.group === group && m.resource === resource);
    const questions = (await discovery.namespacedResources())
        .filter((r) => !isManaged(r.group, r.resource))
        .flatMap((r) => WRITES.map((verb) => ({ ...r, verb })));
    const allowed: string[] = [];
    await Promise.all(questions.map(async (q) => {
        const [resource, subresource] = q.resource.split("/");
        const reply = await kube.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
            body: {
                apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview",
                spec: { resourceAttributes: { namespace, verb: q.verb, group: q.group, resource, subresource } },
            },
        });
        if (reply.status !== 201) throw new Error(`SelfSubjectAccessReview: ${reply.status} ${reply.message}`);
        if (reply.body.status.allowed) allowed.push(`${q.verb} ${q.group ? `${q.group}/` : ""}${q.resource}`);
    }));
    return { asked: questions.length, allowed: allowed.sort() };
}
