// The node suite's cluster DNS, a stand-in for CoreDNS (no image can be pulled
// here): answers A queries for Service names the way CoreDNS' kubernetes
// plugin does for what the program uses —
//   <service>.<namespace>.svc.cluster.local         the ClusterIP, or for a headless
//                                                   Service the ready endpoints' addresses
//   <hostname>.<service>.<namespace>.svc.cluster.local   one endpoint (StatefulSet pods)
// — and NXDOMAIN for every other name (there is no upstream resolver: pods
// reach nothing outside this machine). Reads Services and EndpointSlices from
// the API server every second. Started by scripts/cluster/node.sh:
//   node --require tsx/cjs test/node/clusterDns.ts LISTEN-IP ADMIN-KUBECONFIG
import * as dgram from "dgram";
import * as fs from "fs";
import * as https from "https";
import * as yaml from "js-yaml";

const DOMAIN = "cluster.local";
const TTL = 5;
const TYPE_A = 1;
const CLASS_IN = 1;

/* eslint-disable @typescript-eslint/no-explicit-any -- API objects are read loosely */
interface Records {
    /** Lower-case name -> IPv4 addresses. */
    names: Map<string, string[]>;
}

function readKubeconfig(file: string): { url: URL; ca: Buffer; cert: Buffer; key: Buffer } {
    const config: any = yaml.load(fs.readFileSync(file, "utf8"));
    const cluster = config.clusters[0].cluster;
    const user = config.users[0].user;
    return {
        url: new URL(cluster.server),
        ca: fs.readFileSync(cluster["certificate-authority"]),
        cert: fs.readFileSync(user["client-certificate"]),
        key: fs.readFileSync(user["client-key"]),
    };
}

function getJson(api: ReturnType<typeof readKubeconfig>, path: string): Promise<any> {
    return new Promise((resolve, reject) => {
        const req = https.request({
            host: api.url.hostname, port: api.url.port, path, method: "GET", ca: api.ca, cert: api.cert, key: api.key,
            headers: { Accept: "application/json" },
        }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode}`));
                else resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
            });
        });
        req.on("error", reject);
        req.setTimeout(5000, () => req.destroy(new Error(`GET ${path}: no answer in 5 s`)));
        req.end();
    });
}

/** The records the kubernetes plugin would serve for these Services and EndpointSlices. */
export function recordsOf(services: any[], slices: any[]): Records {
    const names = new Map<string, string[]>();
    const add = (name: string, ip: string) => {
        const key = name.toLowerCase();
        const list = names.get(key) ?? [];
        if (!list.includes(ip)) list.push(ip);
        names.set(key, list);
    };
    for (const svc of services) {
        const base = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${DOMAIN}`;
        const headless = svc.spec.clusterIP === "None";
        if (!headless && svc.spec.clusterIP) add(base, svc.spec.clusterIP);
        if (!headless) continue;
        for (const slice of slices.filter((s) => s.metadata.namespace === svc.metadata.namespace &&
            s.metadata.labels?.["kubernetes.io/service-name"] === svc.metadata.name && s.addressType === "IPv4")) {
            for (const ep of slice.endpoints ?? []) {
                const ready = ep.conditions?.ready !== false || svc.spec.publishNotReadyAddresses === true;
                if (!ready) continue;
                for (const ip of ep.addresses ?? []) {
                    add(base, ip);
                    if (ep.hostname) add(`${ep.hostname}.${base}`, ip);
                }
            }
        }
    }
    return { names };
}

interface Question { name: string; type: number; klass: number; end: number }

function readQuestion(msg: Buffer): Question | undefined {
    if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
    const labels: string[] = [];
    let at = 12;
    for (;;) {
        if (at >= msg.length) return undefined;
        const len = msg[at];
        if (len === 0) { at += 1; break; }
        if (len > 63 || at + 1 + len > msg.length) return undefined;
        labels.push(msg.toString("ascii", at + 1, at + 1 + len));
        at += 1 + len;
    }
    if (at + 4 > msg.length) return undefined;
    return { name: labels.join(".").toLowerCase(), type: msg.readUInt16BE(at), klass: msg.readUInt16BE(at + 2), end: at + 4 };
}

/** The answer to one query, or undefined for a packet that is not one. */
export function answer(msg: Buffer, records: Records): Buffer | undefined {
    const q = readQuestion(msg);
    if (!q) return undefined;
    const known = records.names.get(q.name);
    const ips = known && q.type === TYPE_A && q.klass === CLASS_IN ? known : [];
    const rcode = known ? 0 : 3; // NOERROR (maybe no data for this type) or NXDOMAIN
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    const rd = msg[2] & 0x01;
    header[2] = 0x80 | 0x04 | rd; // QR, AA, RD as asked
    header[3] = rcode;
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(ips.length, 6);
    const question = msg.subarray(12, q.end);
    const answers = ips.map((ip) => {
        const rr = Buffer.alloc(16);
        rr.writeUInt16BE(0xc00c, 0); // the question's name
        rr.writeUInt16BE(TYPE_A, 2);
        rr.writeUInt16BE(CLASS_IN, 4);
        rr.writeUInt32BE(TTL, 6);
        rr.writeUInt16BE(4, 10);
        ip.split(".").forEach((octet, i) => { rr[12 + i] = Number(octet); });
        return rr;
    });
    return Buffer.concat([header, question, ...answers]);
}

async function main(): Promise<void> {
    const [listen, kubeconfig] = process.argv.slice(2);
    if (!listen || !kubeconfig) throw new Error("usage: clusterDns.ts LISTEN-IP ADMIN-KUBECONFIG");
    const api = readKubeconfig(kubeconfig);
    let records: Records = { names: new Map() };
    let lastError = "";
    const refresh = async () => {
        try {
            const [services, slices] = await Promise.all([
                getJson(api, "/api/v1/services"), getJson(api, "/apis/discovery.k8s.io/v1/endpointslices"),
            ]);
            records = recordsOf(services.items, slices.items);
            lastError = "";
        } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            if (message !== lastError) console.error(`cluster-dns: ${message}`);
            lastError = message;
        }
        setTimeout(refresh, 1000);
    };
    await refresh();
    const socket = dgram.createSocket("udp4");
    socket.on("message", (msg, peer) => {
        const reply = answer(msg, records);
        if (reply) socket.send(reply, peer.port, peer.address);
    });
    socket.on("error", (err) => {
        console.error(`cluster-dns: ${err.message}`);
        process.exit(1);
    });
    socket.bind(53, listen, () => console.log(`cluster-dns: listening on ${listen}:53 for *.svc.${DOMAIN}`));
    process.on("SIGTERM", () => process.exit(0));
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
