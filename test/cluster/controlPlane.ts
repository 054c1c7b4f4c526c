// The control plane scripts/cluster/control-plane.sh runs on 127.0.0.1, as the
// cluster suite reaches it: kubectl (the pinned build) for applies and tokens,
// and a small HTTPS client that sends exactly the requests Pulumi's provider
// sends, as the admin or as a ServiceAccount's token.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { ROOT } from "../harness";

export const TOOLS = path.join(ROOT, ".cache", "tools", "cluster");
/** scripts/cluster/control-plane.sh's API server port (XPTO_APISERVER_PORT moves it). */
export const SERVER = { host: "127.0.0.1", port: Number(process.env.XPTO_APISERVER_PORT ?? 6443) };

export interface ControlPlane {
    kubeconfig: string;
    ca: Buffer;
    admin: Kube;
}

/**
 * The running control plane, found through control-plane.sh — never the
 * user's KUBECONFIG, so this suite cannot reach a real cluster.
 */
export function findControlPlane(): ControlPlane {
    let kubeconfig: string;
    try {
        kubeconfig = execFileSync("bash", [path.join(ROOT, "scripts", "cluster", "control-plane.sh"), "status"],
            { encoding: "utf8" }).trim();
    } catch {
        throw new Error(`no control plane runs on 127.0.0.1:${SERVER.port}: run \`npm run test:cluster\`, which starts one ` +
            "(or `bash scripts/cluster/control-plane.sh start`)");
    }
    const pki = path.join(path.dirname(kubeconfig), "pki");
    const ca = fs.readFileSync(path.join(pki, "ca.crt"));
    const admin = new Kube(ca, {
        cert: fs.readFileSync(path.join(pki, "admin.crt")),
        key: fs.readFileSync(path.join(pki, "admin.key")),
    }, "admin");
    return { kubeconfig, ca, admin };
}

export interface KubectlResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs the pinned kubectl against the control plane as the admin. */
export function kubectl(cp: ControlPlane, args: string[], input?: string): Promise<KubectlResult> {
    return new Promise((resolve) => {
        const child = execFile(path.join(TOOLS, "kubectl"), ["--kubeconfig", cp.kubeconfig, ...args],
            { maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" } },
            (error, stdout, stderr) => {
                const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
                resolve({ code, stdout, stderr });
            });
        if (input !== undefined) child.stdin?.end(input);
    });
}

/** Like kubectl(), but throws with kubectl's own message when it fails. */
export async function kubectlOk(cp: ControlPlane, args: string[], input?: string): Promise<string> {
    const result = await kubectl(cp, args, input);
    if (result.code !== 0) {
        throw new Error(`kubectl ${args.join(" ")} failed (${result.code}):\n${result.stderr}${result.stdout}`);
    }
    return result.stdout;
}

export interface Reply {
    status: number;
    /** The parsed JSON body, or undefined (a watch, an empty body). */
    body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects are read loosely
    /** The server's message for a refusal (a Status object's message). */
    message: string;
}

export interface RequestOptions {
    body?: unknown;
    contentType?: string;
    query?: Record<string, string>;
    /** For watches: answer as soon as the status line arrives, then close. */
    headersOnly?: boolean;
}

type Auth = { token: string } | { cert: Buffer; key: Buffer };

/** A minimal API client for one identity: the admin's certificate or a bearer token. */
export class Kube {
    constructor(private readonly ca: Buffer, private readonly auth: Auth, public readonly who: string) {}

    as(token: string, who: string): Kube {
        return new Kube(this.ca, { token }, who);
    }

    request(method: string, urlPath: string, options: RequestOptions = {}): Promise<Reply> {
        const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : "";
        const payload = options.body === undefined ? undefined :
            (typeof options.body === "string" ? options.body : JSON.stringify(options.body));
        const headers: Record<string, string> = { Accept: "application/json" };
        if (payload !== undefined) {
            headers["Content-Type"] = options.contentType ?? "application/json";
            // Node sends a DELETE's body without a length unless told: the server would read it as the next request.
            headers["Content-Length"] = String(Buffer.byteLength(payload));
        }
        if ("token" in this.auth) headers.Authorization = `Bearer ${this.auth.token}`;
        return new Promise((resolve, reject) => {
            const req = https.request({
                ...SERVER, method, path: `${urlPath}${query}`, headers, ca: this.ca,
                ...("cert" in this.auth ? { cert: this.auth.cert, key: this.auth.key } : {}),
            }, (res) => {
                const status = res.statusCode ?? 0;
                if (options.headersOnly && status === 200) {
                    res.destroy();
                    req.destroy();
                    resolve({ status, body: undefined, message: "" });
                    return;
                }
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let body: unknown;
                    try { body = text ? JSON.parse(text) : undefined; } catch { body = undefined; }
                    const message = (body as { message?: string } | undefined)?.message ?? text;
                    resolve({ status, body, message });
                });
            });
            req.on("error", (err) => {
                if (options.headersOnly && (err as NodeJS.ErrnoException).code === "ECONNRESET") return;
                reject(err);
            });
            req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${urlPath}: no answer in 30 s`)));
            req.end(payload);
        });
    }

    async getJson(urlPath: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
        const reply = await this.request("GET", urlPath);
        if (reply.status !== 200) throw new Error(`GET ${urlPath} as ${this.who}: ${reply.status} ${reply.message}`);
        return reply.body;
    }
}

export interface ResourceInfo {
    /** The plural used in URLs (`deployments`). */
    plural: string;
    namespaced: boolean;
    /** `/api/v1` or `/apis/<group>/<version>`. */
    prefix: string;
}

/** Maps apiVersion + kind to URL paths, from the server's own discovery documents. */
export class Discovery {
    private readonly cache = new Map<string, Promise<Map<string, ResourceInfo>>>();

    constructor(private readonly admin: Kube) {}

    private groupVersion(apiVersion: string): Promise<Map<string, ResourceInfo>> {
        let found = this.cache.get(apiVersion);
        if (!found) {
            const prefix = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
            found = this.admin.getJson(prefix).then((list: { resources: { name: string; kind: string; namespaced: boolean }[] }) =>
                new Map(list.resources.filter((r) => !r.name.includes("/"))
                    .map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced, prefix }])));
            this.cache.set(apiVersion, found);
        }
        return found;
    }

    async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
        const info = (await this.groupVersion(apiVersion)).get(kind);
        if (!info) throw new Error(`the server does not serve ${kind} in ${apiVersion}`);
        return info;
    }

    /** Every namespaced resource and subresource the server serves, in each group's preferred version. */
    async namespacedResources(): Promise<{ group: string; resource: string; verbs: string[] }[]> {
        const groups: { name: string; preferredVersion: { groupVersion: string } }[] = (await this.admin.getJson("/apis")).groups;
        const lists = [{ group: "", prefix: "/api/v1" }, ...groups.map((g) => ({ group: g.name, prefix: `/apis/${g.preferredVersion.groupVersion}` }))];
        const found: { group: string; resource: string; verbs: string[] }[] = [];
        for (const { group, prefix } of lists) {
            const list: { resources: { name: string; namespaced: boolean; verbs: string[] }[] } = await this.admin.getJson(prefix);
            for (const r of list.resources.filter((x) => x.namespaced)) found.push({ group, resource: r.name, verbs: r.verbs });
        }
        return found;
    }

    /** The collection URL of a kind in a namespace (or cluster-wide). */
    async collection(apiVersion: string, kind: string, namespace?: string): Promise<string> {
        const info = await this.resource(apiVersion, kind);
        return info.namespaced && namespace !== undefined
            ? `${info.prefix}/namespaces/${namespace}/${info.plural}`
            : `${info.prefix}/${info.plural}`;
    }
}

/** Polls `probe` until it gives a value, for at most `seconds`. */
export async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
    const until = Date.now() + seconds * 1000;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > until) throw new Error(`${what}: not within ${seconds} s`);
        await new Promise((r) => setTimeout(r, 300));
    }
}
