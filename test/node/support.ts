// What the node suite needs besides the control plane's helpers: the node's
// state (scripts/cluster/node.sh), its containerd, commands in pods, the await
// rules of `pulumi up` and a bounded load generator.
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { ControlPlane, Kube, kubectl } from "../cluster/controlPlane";
import { Manifest } from "../cluster/declared";

/* eslint-disable @typescript-eslint/no-explicit-any -- API objects are read loosely */

export const say = (line: string) => console.log(`      · ${line}`);

export async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
    const until = Date.now() + seconds * 1000;
    let last: unknown;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined) return value;
        } catch (err) {
            last = err;
        }
        if (Date.now() > until) {
            throw new Error(`${what}: not within ${seconds} s${last ? ` (last error: ${(last as Error).message ?? last})` : ""}`);
        }
        await sleep(300);
    }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The node that scripts/cluster/node.sh started (its state file). */
export interface NodeState {
    dir: string;
    containerdSocket: string;
}

export function readNodeState(): NodeState {
    const file = process.env.XPTO_NODE_STATE ?? path.join(process.env.TMPDIR ?? "/tmp", "xpto-node.env");
    if (!fs.existsSync(file)) throw new Error(`no node runs (no ${file}): run \`bash scripts/test-node.sh\`, which starts one`);
    const values = new Map<string, string>();
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const at = line.indexOf("=");
        if (at > 0) values.set(line.slice(0, at), line.slice(at + 1).replace(/\\(.)/g, "$1").replace(/^'(.*)'$/, "$1"));
    }
    return { dir: values.get("NODE_DIR") ?? "", containerdSocket: values.get("CONTAINERD_SOCKET") ?? "" };
}

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

export function run(command: string, args: string[], input?: string, timeoutMs = 120_000): Promise<Run> {
    return new Promise((resolve) => {
        const child = execFile(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
        });
        if (input !== undefined) child.stdin?.end(input);
    });
}

/** containerd's CLI in the node's image namespace (the CRI's). */
export async function ctr(node: NodeState, args: string[]): Promise<string> {
    const result = await run("ctr", ["--address", node.containerdSocket, "-n", "k8s.io", ...args]);
    if (result.code !== 0) throw new Error(`ctr ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
}

/** The manifest digest containerd holds for an image name. */
export async function imageDigest(node: NodeState, name: string): Promise<string> {
    const line = (await ctr(node, ["images", "ls", `name==${name}`])).split("\n").find((l) => l.startsWith(`${name} `));
    const digest = line?.split(/\s+/).find((w) => w.startsWith("sha256:"));
    if (!digest) throw new Error(`containerd has no image ${name}`);
    return digest;
}

/** Runs a command in a pod's first container, as kubectl exec does (API server -> kubelet). */
export async function exec(cp: ControlPlane, namespace: string, pod: string, command: string[]): Promise<Run> {
    return kubectl(cp, ["exec", "-n", namespace, pod, "--", ...command]);
}

/**
 * A TCP connection attempt from inside a pod, with the image's python3:
 * "connected", or the error (refused, timed out).
 */
export async function connectFrom(cp: ControlPlane, namespace: string, pod: string, host: string, port: number): Promise<string> {
    const code = "import socket, sys\n" +
        "try:\n    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close(); print('connected')\n" +
        "except Exception as e:\n    print(type(e).__name__ + ': ' + str(e))\n";
    const result = await exec(cp, namespace, pod, ["python3", "-c", code, host, String(port)]);
    if (result.code !== 0) throw new Error(`exec in ${namespace}/${pod} failed (${result.code}): ${result.stderr}`);
    return result.stdout.trim();
}

/** A pod that meets Pod Security `restricted`, runs `sleep` as the API image's user, and has no token. */
export function probePod(namespace: string, name: string, image: string, labels: Record<string, string> = {}): Manifest {
    return {
        apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels: { "xpto.test/probe": "true", ...labels } },
        spec: {
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 1,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{
                name: "probe", image, command: ["python3", "-c", "import time\nwhile True: time.sleep(3600)"],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
            }],
        },
    };
}

// --- `pulumi up`'s await rules (@pulumi/kubernetes 4.34.2, the doc comment of each resource class) ---

const condition = (obj: any, type: string) => (obj.status?.conditions ?? []).find((c: any) => c.type === type);

/**
 * apps/v1 Deployment: the controller has seen this generation; a ReplicaSet
 * of the current revision exists; Available is True; after a first rollout,
 * Progressing is True with reason NewReplicaSetAvailable. (And, as kubectl
 * rollout status: every replica updated and available, no old one left.)
 */
export async function deploymentReady(admin: Kube, namespace: string, name: string): Promise<string | undefined> {
    const live = await admin.getJson(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
    const revision = live.metadata.annotations?.["deployment.kubernetes.io/revision"];
    const sets: any[] = (await admin.getJson(`/apis/apps/v1/namespaces/${namespace}/replicasets`)).items
        .filter((rs: any) => (rs.metadata.ownerReferences ?? []).some((o: any) => o.uid === live.metadata.uid));
    const current = sets.find((rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"] === revision);
    const s = live.status ?? {};
    const progressing = condition(live, "Progressing");
    const ok = (s.observedGeneration ?? 0) >= live.metadata.generation && current !== undefined &&
        condition(live, "Available")?.status === "True" &&
        (live.metadata.generation <= 1 || (progressing?.status === "True" && progressing.reason === "NewReplicaSetAvailable")) &&
        s.updatedReplicas === live.spec.replicas && s.availableReplicas === live.spec.replicas && (s.replicas ?? 0) === live.spec.replicas;
    return ok ? `revision ${revision}, ReplicaSet ${current.metadata.name}, ${s.availableReplicas}/${live.spec.replicas} available` : undefined;
}

/**
 * apps/v1 StatefulSet: spec.replicas equals status.replicas, currentReplicas
 * and readyReplicas; updateRevision equals currentRevision.
 */
export async function statefulSetReady(admin: Kube, namespace: string, name: string): Promise<string | undefined> {
    const live = await admin.getJson(`/apis/apps/v1/namespaces/${namespace}/statefulsets/${name}`);
    const s = live.status ?? {};
    const n = live.spec.replicas;
    const ok = (s.observedGeneration ?? 0) >= live.metadata.generation && s.replicas === n && s.currentReplicas === n &&
        s.readyReplicas === n && s.updateRevision === s.currentRevision;
    return ok ? `${s.readyReplicas}/${n} ready, revision ${s.currentRevision}` : undefined;
}

/**
 * v1 Service (with a selector): its endpoints exist and none is not ready.
 * (Pulumi then waits 10 s more for stragglers; the suite does not.)
 */
export async function serviceReady(admin: Kube, namespace: string, name: string): Promise<string | undefined> {
    const slices: any[] = (await admin.getJson(`/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=` +
        encodeURIComponent(`kubernetes.io/service-name=${name}`))).items;
    const endpoints = slices.flatMap((s) => s.endpoints ?? []);
    const ready = endpoints.filter((e) => e.conditions?.ready !== false);
    return endpoints.length > 0 && ready.length === endpoints.length
        ? `${ready.length} endpoint(s): ${ready.flatMap((e) => e.addresses).join(", ")}` : undefined;
}

export async function claimBound(admin: Kube, namespace: string, name: string): Promise<string | undefined> {
    const live = await admin.getJson(`/api/v1/namespaces/${namespace}/persistentvolumeclaims/${name}`);
    return live.status?.phase === "Bound" ? `Bound to ${live.spec.volumeName}` : undefined;
}

// --- load ---------------------------------------------------------------

export interface LoadReport {
    sent: number;
    failed: number;
    /** Milliseconds. */
    p99: number;
    seconds: number;
    /** A few failures, as seen. */
    samples: string[];
    /** The ids of users whose creation was acknowledged (201). */
    created: number[];
}

export interface Target {
    host: string;
    port: number;
}

function request(target: Target, method: string, urlPath: string, body?: unknown): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
        // A new connection per request: each one is balanced by the Service's rules, as a client pool's new connections are.
        const req = http.request({
            host: target.host, port: target.port, method, path: urlPath, agent: false,
            headers: { Connection: "close", ...(payload ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } : {}) },
        }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
        });
        req.on("error", reject);
        req.setTimeout(5000, () => req.destroy(new Error("no answer in 5 s")));
        req.end(payload);
    });
}

export { request as httpRequest };

/**
 * A bounded load on the API: `workers` clients in a loop, each request on a
 * new connection; nine reads of a known user for one create. Stops when told,
 * or after `maxSeconds` whatever happens. A failure is any answer but the
 * expected one, or no answer.
 */
export class Load {
    private stopped = false;
    private readonly latencies: number[] = [];
    private failed = 0;
    private readonly samples: string[] = [];
    private readonly created: number[] = [];
    private readonly started = Date.now();
    private readonly done: Promise<void>;

    constructor(target: Target, knownId: number, nextId: () => number,
        workers = 4, maxSeconds = 150) {
        const until = Date.now() + maxSeconds * 1000;
        this.done = Promise.all(Array.from({ length: workers }, async (_, w) => {
            let i = 0;
            while (!this.stopped && Date.now() < until) {
                i += 1;
                const t0 = Date.now();
                const create = (i + w) % 10 === 0;
                const id = create ? nextId() : knownId;
                try {
                    const reply = create
                        ? await request(target, "POST", "/api/v1/users", { id, name: `load-${id}` })
                        : await request(target, "GET", `/api/v1/users?id=${knownId}`);
                    const expected = create ? 201 : 200;
                    if (reply.status !== expected) this.fail(`${create ? "POST" : "GET"} -> ${reply.status} ${reply.text.slice(0, 120)}`);
                    else if (create) this.created.push(id);
                } catch (err) {
                    this.fail(`${create ? "POST" : "GET"} -> ${(err as Error).message}`);
                }
                this.latencies.push(Date.now() - t0);
            }
        })).then(() => undefined);
    }

    private fail(why: string): void {
        this.failed += 1;
        if (this.samples.length < 5) this.samples.push(why);
    }

    async stop(): Promise<LoadReport> {
        this.stopped = true;
        await this.done;
        const sorted = [...this.latencies].sort((a, b) => a - b);
        const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] : 0;
        return {
            sent: this.latencies.length, failed: this.failed, p99, seconds: (Date.now() - this.started) / 1000,
            samples: this.samples, created: this.created,
        };
    }
}

export const describeLoad = (r: LoadReport) =>
    `${r.sent} requests in ${r.seconds.toFixed(1)} s, ${r.failed} failed, p99 ${r.p99} ms` +
    (r.samples.length ? ` (e.g. ${r.samples.join("; ")})` : "");
