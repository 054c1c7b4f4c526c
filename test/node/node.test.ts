// The program's app stacks on a real node (scripts/cluster/node.sh: kubelet,
// containerd and runc, kube-proxy in iptables mode, kube-router enforcing
// NetworkPolicy) beside the control plane of scripts/cluster/control-plane.sh:
// what only a running pod proves — that both stacks converge as `pulumi up`
// awaits them, that the NetworkPolicies hold against real traffic, and that a
// rollout, a rollback, a pod deletion and a MongoDB restart lose no request.
// Run with `bash scripts/test-node.sh` (mocha's --delay: the tests are made
// from what the program declares).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../../infra/config";
import { agentNamespace, LANES, UNTRUSTED_LABEL } from "../../infra/pipeline";
import { API_POD_LABELS } from "../../infra/app/usersApi";
import { stackFileConfig } from "../harness";
import { ControlPlane, findControlPlane, kubectl, kubectlOk } from "../cluster/controlPlane";
import { declare, describeObject, isNamespace, Manifest, Variant } from "../cluster/declared";
import {
    claimBound, connectFrom, ctr, deploymentReady, describeLoad, exec, httpRequest, imageDigest, Load, LoadReport, NodeState,
    probePod, readNodeState, say, serviceReady, sleep, statefulSetReady, waitFor,
} from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- API objects are read loosely */

const APP_STACKS = ["develop", "production"] as const;
type AppStack = (typeof APP_STACKS)[number];
/** The images scripts/cluster/node-images.sh built, as containerd names them after the import. */
const BUILT = {
    api1: "docker.io/xpto-node/users-api:build-1",
    api2: "docker.io/xpto-node/users-api:build-2",
    mongo: "docker.io/xpto-standin/mongo:4.2-ferretdb",
};
/** A namespace of the suite's own, with no policy: "any other namespace". */
const CLIENTS = "node-suite-clients";
const FIELD_MANAGER = "pulumi-kubernetes";
const started = Date.now();


/** A repository as containerd names it: `mongo` is `docker.io/library/mongo`, `xpto/api` is `docker.io/xpto/api`. */
const repositoryName = (name: string) =>
    name.split("/")[0].includes(".") ? name : name.includes("/") ? `docker.io/${name}` : `docker.io/library/${name}`;
/** An image reference as containerd names it: the repository's full name, then the tag (`latest` if none) or the digest. */
const normalize = (image: string) => {
    const at = image.indexOf("@");
    if (at >= 0) return `${repositoryName(image.slice(0, at))}${image.slice(at)}`;
    const colon = image.lastIndexOf(":");
    return colon > image.lastIndexOf("/") ? `${repositoryName(image.slice(0, colon))}${image.slice(colon)}` : `${repositoryName(image)}:latest`;
};
const refused = (answer: string) => answer !== "connected";
/** The API's Service: the ClusterIP Service that selects the API's pods. */
const apiService = (manifests: Manifest[]): Manifest => manifests.find((m) => m.kind === "Service" && m.spec.clusterIP !== "None" &&
    m.spec.selector && Object.entries(API_POD_LABELS).every(([k, v]) => m.spec.selector[k] === v));

interface Deployed {
    stack: AppStack;
    namespace: string;
    manifests: Manifest[];
    /** Seconds from the first apply to every object ready. */
    seconds: number;
    ready: string[];
}

async function apply(cp: ControlPlane, manifests: Manifest[]): Promise<void> {
    await kubectlOk(cp, ["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }));
}

async function deleteNamespaces(cp: ControlPlane, names: string[]): Promise<void> {
    const existing = [];
    for (const name of names) if ((await cp.admin.request("GET", `/api/v1/namespaces/${name}`)).status === 200) existing.push(name);
    if (existing.length === 0) return;
    say(`deleting namespaces an earlier run left: ${existing.join(", ")}`);
    await kubectl(cp, ["delete", "namespace", ...existing, "--wait=true", "--timeout=120s"]);
}

/** What a StatefulSet's volumeClaimTemplates ask for, as PersistentVolumes on the node's disk, bound in advance. */
function volumesFor(manifests: Manifest[], node: NodeState): { pv: Manifest; dir: string; uid: number }[] {
    const out = [];
    for (const sts of manifests.filter((m) => m.kind === "StatefulSet")) {
        const uid = sts.spec.template.spec.securityContext?.runAsUser ?? 0;
        for (let i = 0; i < sts.spec.replicas; i++) {
            for (const t of sts.spec.volumeClaimTemplates ?? []) {
                const claim = `${t.metadata.name}-${sts.metadata.name}-${i}`;
                const name = `${sts.metadata.namespace}-${claim}`;
                const dir = path.join(node.dir, "volumes", name);
                out.push({
                    dir, uid, pv: {
                        apiVersion: "v1", kind: "PersistentVolume", metadata: { name, labels: { "xpto.test/node-suite": "true" } },
                        spec: {
                            capacity: { storage: t.spec.resources.requests.storage }, accessModes: t.spec.accessModes,
                            ...(t.spec.storageClassName ? { storageClassName: t.spec.storageClassName } : {}),
                            persistentVolumeReclaimPolicy: "Retain", hostPath: { path: dir, type: "Directory" },
                            claimRef: { namespace: sts.metadata.namespace, name: claim },
                        },
                    },
                });
            }
        }
    }
    return out;
}

async function deploy(cp: ControlPlane, node: NodeState, stack: AppStack, manifests: Manifest[]): Promise<Deployed> {
    const t0 = Date.now();
    const namespaces = manifests.filter(isNamespace);
    const namespace = manifests.find((m) => m.kind === "Deployment").metadata.namespace;
    for (const v of volumesFor(manifests, node)) {
        fs.mkdirSync(v.dir, { recursive: true, mode: 0o700 });
        fs.chownSync(v.dir, v.uid, v.uid);
        await apply(cp, [v.pv]);
    }
    await apply(cp, namespaces);
    await waitFor(`ServiceAccount default in ${namespace}`, 30, async () =>
        ((await cp.admin.request("GET", `/api/v1/namespaces/${namespace}/serviceaccounts/default`)).status === 200 ? true : undefined));
    // As `pulumi up` orders them: the API's Deployment waits for MongoDB (UsersApiArgs.waitFor).
    const rest = manifests.filter((m) => !isNamespace(m));
    await apply(cp, rest.filter((m) => m.kind !== "Deployment"));
    const ready: string[] = [];
    for (const sts of rest.filter((m) => m.kind === "StatefulSet")) {
        for (const t of sts.spec.volumeClaimTemplates ?? []) {
            const claim = `${t.metadata.name}-${sts.metadata.name}-0`;
            ready.push(`PVC ${claim}: ${await waitFor(`PVC ${claim}`, 120, () => claimBound(cp.admin, namespace, claim))}`);
        }
        ready.push(`StatefulSet ${sts.metadata.name}: ${await waitFor(`StatefulSet ${sts.metadata.name} in ${namespace}`, 240,
            () => statefulSetReady(cp.admin, namespace, sts.metadata.name))}`);
    }
    await apply(cp, rest.filter((m) => m.kind === "Deployment"));
    for (const d of rest.filter((m) => m.kind === "Deployment")) {
        ready.push(`Deployment ${d.metadata.name}: ${await waitFor(`Deployment ${d.metadata.name} in ${namespace}`, 240,
            () => deploymentReady(cp.admin, namespace, d.metadata.name))}`);
    }
    for (const s of rest.filter((m) => m.kind === "Service" && m.spec.selector)) {
        ready.push(`Service ${s.metadata.name}: ${await waitFor(`Service ${s.metadata.name} endpoints in ${namespace}`, 60,
            () => serviceReady(cp.admin, namespace, s.metadata.name))}`);
    }
    return { stack, namespace, manifests, seconds: (Date.now() - t0) / 1000, ready };
}

async function podsOf(cp: ControlPlane, namespace: string, labels: Record<string, string>): Promise<any[]> {
    const selector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
    return (await cp.admin.getJson(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`)).items
        .filter((p: any) => !p.metadata.deletionTimestamp);
}

async function runningPod(cp: ControlPlane, pod: Manifest): Promise<any> {
    await apply(cp, [pod]);
    return waitFor(`pod ${pod.metadata.namespace}/${pod.metadata.name} running`, 90, async () => {
        const live = await cp.admin.getJson(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`);
        return live.status?.phase === "Running" && live.status.podIP ? live : undefined;
    });
}

/** The API's contract, from inside a pod, by the Service's cluster DNS name. */
const CONTRACT = `
import json, sys, urllib.request, urllib.error
base, uid = sys.argv[1], int(sys.argv[2])
def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        return e.code, json.loads(text) if text else None
out = []
s, b = call("GET", "/"); out.append(["GET /", s, (b or {}).get("message")])
s, b = call("POST", "/api/v1/users", {"id": uid, "name": "node-suite"}); out.append(["POST user", s, None])
s, b = call("POST", "/api/v1/users", {"id": uid, "name": "again"}); out.append(["POST same id", s, b["error"]["code"]])
s, b = call("GET", "/api/v1/users?id=%d" % uid); out.append(["GET by id", s, [u["name"] for u in b]])
s, b = call("POST", "/api/v1/users/%d" % uid, {"$set": {"name": "renamed"}}); out.append(["update", s, b])
s, b = call("GET", "/api/v1/users?id=%d" % uid); out.append(["GET renamed", s, [u["name"] for u in b]])
s, b = call("DELETE", "/api/v1/users/%d" % uid); out.append(["DELETE", s, None])
s, b = call("GET", "/api/v1/users?id=%d" % uid); out.append(["GET deleted", s, b["error"]["code"]])
s, b = call("GET", "/api/v1/users?$where=1"); out.append(["operator in query", s, b["error"]["code"]])
print(json.dumps(out))
`;

async function bootstrap(): Promise<void> {
    const cp = findControlPlane();
    const node = readNodeState();
    const digests = { api1: await imageDigest(node, BUILT.api1), api2: await imageDigest(node, BUILT.api2) };
    const variant = (stack: AppStack, digest: string): Variant => ({
        name: `${stack} deploying ${digest.slice(0, 19)}…`, stack, usedBy: `Pulumi.${stack}.yaml`, settings: { apiImageDigest: digest },
    });
    // The program's objects for each app stack, deploying build 1 by digest (the program's rollback path, `apiImageDigest`).
    const declared = new Map<AppStack, Manifest[]>();
    for (const stack of APP_STACKS) declared.set(stack, (await declare(variant(stack, digests.api1))).manifests);
    const jenkins = (await declare({ name: "jenkins", stack: "jenkins", usedBy: "Pulumi.jenkins.yaml" })).manifests;
    // containerd's names for what the manifests reference: the API by digest, MongoDB's image by tag (the stand-in).
    for (const stack of APP_STACKS) {
        const repository = repositoryName(stackFileConfig(stack)[`${PROJECT}:imageRepository`]);
        await ctr(node, ["images", "tag", "--force", BUILT.api1, `${repository}@${digests.api1}`]);
        await ctr(node, ["images", "tag", "--force", BUILT.api2, `${repository}@${digests.api2}`]);
        for (const sts of (declared.get(stack) ?? []).filter((m) => m.kind === "StatefulSet")) {
            for (const c of sts.spec.template.spec.containers) await ctr(node, ["images", "tag", "--force", BUILT.mongo, normalize(c.image)]);
        }
    }
    defineSuite(cp, node, declared, jenkins, digests, variant);
}

function defineSuite(cp: ControlPlane, node: NodeState, declared: Map<AppStack, Manifest[]>, jenkins: Manifest[],
    digests: { api1: string; api2: string }, variant: (stack: AppStack, digest: string) => Variant): void {
    const deployed = new Map<AppStack, Promise<Deployed>>();
    const must = <T>(value: T | undefined, what: string): T => {
        if (value === undefined) throw new Error(`${what}: missing`);
        return value;
    };
    const deployedOf = (stack: AppStack) => must(deployed.get(stack), `deployment of ${stack}`);
    const declaredOf = (stack: AppStack) => must(declared.get(stack), `objects of ${stack}`);
    const ackOf = (stack: AppStack) => must(acknowledged.get(stack), `acknowledged writes of ${stack}`);
    const namespaceOf = (stack: AppStack) => declaredOf(stack).find((m) => m.kind === "Deployment").metadata.namespace as string;
    const laneNamespaces = jenkins.filter((m) => isNamespace(m) && LANES.some((l) => m.metadata.name.endsWith(agentNamespace("", l))));
    const allNamespaces = [...APP_STACKS.map(namespaceOf), ...laneNamespaces.map((m) => m.metadata.name), CLIENTS];
    let probeImage = "";
    let probesStarted: Promise<void> = Promise.resolve();
    const lanePolicies = jenkins.filter((m) => m.kind === "NetworkPolicy" && laneNamespaces.some((n) => n.metadata.name === m.metadata.namespace));
    const laneLimits = jenkins.filter((m) => ["LimitRange", "ResourceQuota"].includes(m.kind) &&
        laneNamespaces.some((n) => n.metadata.name === m.metadata.namespace));
    /** A lane's probe wears the labels the lane's policies select, so that they govern it. */
    const laneProbe = (ns: string) => probePod(ns, "lane-probe", probeImage, Object.assign({},
        ...lanePolicies.filter((p) => p.metadata.namespace === ns).map((p) => p.spec.podSelector?.matchLabels ?? {})));
    async function startProbes(): Promise<void> {
        const namespaces = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: CLIENTS } }, ...laneNamespaces];
        await apply(cp, namespaces);
        for (const ns of namespaces) {
            await waitFor(`ServiceAccount default in ${ns.metadata.name}`, 30, async () =>
                ((await cp.admin.request("GET", `/api/v1/namespaces/${ns.metadata.name}/serviceaccounts/default`)).status === 200 ? true : undefined));
        }
        await apply(cp, [...lanePolicies, ...laneLimits]);
        await apply(cp, [probePod(CLIENTS, "client", probeImage), probePod(CLIENTS, "impostor", probeImage, API_POD_LABELS),
            ...laneNamespaces.map((n) => laneProbe(n.metadata.name))]);
    }
    let userIds = 900_000 + Math.floor(Math.random() * 1000) * 1000;
    const nextId = () => (userIds += 1);
    const acknowledged = new Map<AppStack, number[]>();

    describe("a node beside the control plane: kubelet, containerd + runc, kube-proxy (iptables), kube-router (NetworkPolicy)", function () {
        this.timeout(300_000);

        before(async () => {
            await deleteNamespaces(cp, allNamespaces);
            await kubectl(cp, ["delete", "pv", "-l", "xpto.test/node-suite=true", "--wait=false"]);
            probeImage = normalize(`${stackFileConfig("develop")[`${PROJECT}:imageRepository`]}@${digests.api1}`);
            // Both stacks at once, as two operators' `pulumi up` would; each test below awaits its own.
            for (const stack of APP_STACKS) {
                const p = deploy(cp, node, stack, declaredOf(stack));
                p.catch(() => undefined); // reported by the test that awaits it
                deployed.set(stack, p);
            }
            // Meanwhile, the probe pods of other namespaces start (the tests that use them await them).
            probesStarted = startProbes();
            probesStarted.catch(() => undefined);
        });

        after(() => say(`node suite wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`));

        it("the node is Ready, and its images are the ones imported from this machine's builds: nothing was pulled", async () => {
            const n = (await cp.admin.getJson("/api/v1/nodes")).items;
            assert.strictEqual(n.length, 1);
            const ready = n[0].status.conditions.find((c: any) => c.type === "Ready");
            assert.strictEqual(ready.status, "True", ready.message);
            const info = n[0].status.nodeInfo;
            say(`node ${n[0].metadata.name} ${n[0].status.addresses.map((a: any) => a.address).join(", ")}: kubelet ${info.kubeletVersion}, ` +
                `${info.containerRuntimeVersion}, kernel ${info.kernelVersion}, cgroup driver cgroupfs (v1)`);
            const names = (await ctr(node, ["images", "ls", "-q"])).split("\n").filter(Boolean);
            say(`containerd holds ${names.length} image names, all from this machine's builds: ${names.filter((x) => !x.includes("@")).join(", ")}`);
        });

        for (const stack of APP_STACKS) describeStack(stack);
        describePolicies();
        describeLanes();
        describeLoadTests("production");

        describe("afterwards", () => {
            it("no image was pulled, in any namespace the suite used", async () => {
                const events: any[] = (await cp.admin.getJson("/api/v1/events")).items;
                const line = (e: any) => `${e.involvedObject.namespace}/${e.involvedObject.name}: ${e.reason}: ${e.message}`;
                const pulls = events.filter((e) => e.reason === "Pulling" || /pull/i.test(`${e.reason} ${e.message}`) &&
                    !/already present on machine/.test(e.message)).map(line);
                // Transient failures the kubelet retried (e.g. "failed to sync secret cache" while the Node authorizer
                // catches up): the tests above proved every pod ran; shown, not failed on.
                const retried = events.filter((e) => ["Failed", "FailedCreatePodSandBox", "BackOff"].includes(e.reason) &&
                    !pulls.includes(line(e))).map(line);
                say(`${events.length} events read; pulls: ${pulls.length}; failures the kubelet retried: ${retried.length}`);
                for (const r of retried) say(`NOTE: retried: ${r}`);
                assert.deepStrictEqual(pulls, []);
            });
        });
    });

    function describeStack(stack: AppStack): void {
        describe(`${stack}: the program's objects converge as \`pulumi up\` awaits them`, () => {
            it("MongoDB's StatefulSet is ready with its volume bound, then the API's Deployment rolls out and the Services have ready endpoints", async () => {
                const d = await deployedOf(stack);
                for (const line of d.ready) say(line);
                say(`${stack}: ${d.manifests.length} objects applied; every one ready ${d.seconds.toFixed(1)} s after the first apply`);
                const pods = await podsOf(cp, d.namespace, API_POD_LABELS);
                const replicas = d.manifests.find((m) => m.kind === "Deployment").spec.replicas;
                assert.strictEqual(pods.filter((p) => p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")).length, replicas);
                for (const p of pods) assert.ok(p.spec.containers[0].image.endsWith(digests.api1), p.spec.containers[0].image);
            });

            it("the init script's application user logs in with the Secret's password, and a wrong password is refused", async () => {
                const d = await deployedOf(stack);
                const sts = d.manifests.find((m) => m.kind === "StatefulSet");
                const pod = `${sts.metadata.name}-0`;
                const db = sts.spec.template.spec.containers[0].env.find((e: any) => e.name === "MONGO_APP_DATABASE").value;
                const login = (password: string) => exec(cp, d.namespace, pod, ["bash", "-c",
                    `mongo --quiet --host 127.0.0.1 --username "$MONGO_APP_USERNAME" --password "${password}" --authenticationDatabase ${db} ${db} ` +
                    `--eval "db.adminCommand('ping')"`]);
                const good = await login("$MONGO_APP_PASSWORD");
                assert.strictEqual(good.code, 0, `login with the Secret's password: ${good.stderr}${good.stdout}`);
                const bad = await login("not-the-password");
                assert.notStrictEqual(bad.code, 0, "a wrong password was accepted");
                say(`${stack}: ${db} user logs in (ping ${good.stdout.trim()}); wrong password: ${bad.stderr.trim().split("\n").pop()}`);
                const log = await kubectlOk(cp, ["logs", "-n", d.namespace, pod]);
                assert.match(log, /running \/docker-entrypoint-initdb\.d\/create-app-user\.sh/);
                say("NOTE: \"unable to read another database\" holds only on a real MongoDB: the stand-in (FerretDB) " +
                    "implements no roles, so its user may read every database (docs/testing.md, Node suite)");
            });

            it("the API answers its contract through its Service's cluster DNS name, from a pod in another namespace", async () => {
                const d = await deployedOf(stack);
                await probesStarted;
                await runningPod(cp, probePod(CLIENTS, "client", probeImage));
                const svc = apiService(d.manifests);
                const url = `http://${svc.metadata.name}.${d.namespace}.svc.cluster.local:${svc.spec.ports[0].port}`;
                const result = await exec(cp, CLIENTS, "client", ["python3", "-c", CONTRACT, url, String(nextId())]);
                assert.strictEqual(result.code, 0, result.stderr);
                const steps = JSON.parse(result.stdout);
                say(`${stack}: ${url}: ${steps.map((s: any) => `${s[0]} ${s[1]}`).join(", ")}`);
                assert.deepStrictEqual(steps.map((s: any) => [s[0], s[1]]), [
                    ["GET /", 200], ["POST user", 201], ["POST same id", 409], ["GET by id", 200], ["update", 200],
                    ["GET renamed", 200], ["DELETE", 204], ["GET deleted", 404], ["operator in query", 400],
                ]);
                assert.deepStrictEqual(steps[3][2], ["node-suite"]);
                assert.deepStrictEqual(steps[5][2], ["renamed"]);
            });
        });
    }

    function describePolicies(): void {
        describe("NetworkPolicies, proven by traffic (kube-router)", () => {
            for (const stack of APP_STACKS) {
                it(`${stack}: MongoDB accepts the API's pods; every other pod of its namespace is refused; ` +
                    `that pod ${stack === "develop" ? "is refused by the API too (develop runs code that is not master's)" : "reaches the API"}`, async () => {
                    const d = await deployedOf(stack);
                    const mongo = (await podsOf(cp, d.namespace, d.manifests.find((m) => m.kind === "StatefulSet").spec.selector.matchLabels))[0];
                    const api = (await podsOf(cp, d.namespace, API_POD_LABELS))[0];
                    const port = mongo.spec.containers[0].ports[0].containerPort;
                    const mongoName = `${d.manifests.find((m) => m.kind === "Service" && m.spec.clusterIP === "None").metadata.name}.${d.namespace}.svc.cluster.local`;
                    const fromApi = await connectFrom(cp, d.namespace, api.metadata.name, mongoName, port);
                    assert.strictEqual(fromApi, "connected", `API pod -> ${mongoName}:${port}`);
                    await runningPod(cp, probePod(d.namespace, "neighbour", probeImage));
                    const apiSvc = apiService(d.manifests);
                    const toApi = await connectFrom(cp, d.namespace, "neighbour", `${apiSvc.metadata.name}.${d.namespace}.svc.cluster.local`, 80);
                    // The namespace's label decides: the API admits no pod of a namespace marked as running code that is not master's.
                    const untrusted = d.manifests.find((m) => m.kind === "Namespace")?.metadata.labels?.[UNTRUSTED_LABEL] === "true";
                    assert.strictEqual(untrusted, stack === "develop", `${d.namespace}'s trust label`);
                    assert.strictEqual(refused(toApi) ? "refused" : "connected", untrusted ? "refused" : "connected",
                        `a pod of ${d.namespace} -> the API's Service`);
                    const toMongo = await connectFrom(cp, d.namespace, "neighbour", mongo.status.podIP, port);
                    assert.ok(refused(toMongo), `a pod of ${d.namespace} without the API's labels reached MongoDB (${mongo.status.podIP}:${port})`);
                    say(`${stack}: API pod -> MongoDB: ${fromApi}; neighbour -> API Service: ${toApi}; neighbour -> MongoDB ${mongo.status.podIP}:${port}: ${toMongo}`);
                });

                it(`${stack}: MongoDB refuses pods of other namespaces, even one wearing the API's labels`, async () => {
                    const d = await deployedOf(stack);
                    const mongo = (await podsOf(cp, d.namespace, d.manifests.find((m) => m.kind === "StatefulSet").spec.selector.matchLabels))[0];
                    const port = mongo.spec.containers[0].ports[0].containerPort;
                    await probesStarted;
                    await runningPod(cp, probePod(CLIENTS, "impostor", probeImage, API_POD_LABELS));
                    for (const pod of ["client", "impostor"]) {
                        const answer = await connectFrom(cp, CLIENTS, pod, mongo.status.podIP, port);
                        assert.ok(refused(answer), `${CLIENTS}/${pod} reached MongoDB of ${stack}`);
                        say(`${stack}: ${CLIENTS}/${pod}${pod === "impostor" ? " (API's labels)" : ""} -> MongoDB: ${answer}`);
                    }
                });
            }
        });
    }

    function describeLanes(): void {
        describe(`lane pods and the app namespaces (the jenkins stack's lane namespaces and their ${lanePolicies.length} NetworkPolicies)`, () => {
            it("from a pod in each lane namespace, production's included, neither MongoDB nor the API of either app namespace can be reached", async () => {
                await probesStarted;
                say(`applied: ${[...laneNamespaces, ...lanePolicies, ...laneLimits].map(describeObject).join(", ")}`);
                const checks = laneNamespaces.map((n) => n.metadata.name).flatMap((ns) => APP_STACKS.map((stack) => ({ ns, stack })));
                const seen = await Promise.all(checks.map(async ({ ns, stack }) => {
                    await runningPod(cp, laneProbe(ns));
                    const d = await deployedOf(stack);
                    const mongo = (await podsOf(cp, d.namespace, d.manifests.find((m) => m.kind === "StatefulSet").spec.selector.matchLabels))[0];
                    const apiSvc = await cp.admin.getJson(`/api/v1/namespaces/${d.namespace}/services/${apiService(d.manifests).metadata.name}`);
                    const toMongo = await connectFrom(cp, ns, "lane-probe", mongo.status.podIP, mongo.spec.containers[0].ports[0].containerPort);
                    const toApi = await connectFrom(cp, ns, "lane-probe", apiSvc.spec.clusterIP, apiSvc.spec.ports[0].port);
                    return { ns, stack, toMongo, toApi, line: `${ns} -> ${stack} MongoDB: ${toMongo}; -> ${stack} API Service ${apiSvc.spec.clusterIP}: ${toApi}` };
                }));
                for (const { line } of seen) say(line);
                for (const { ns, stack, toMongo, toApi } of seen) {
                    assert.ok(refused(toMongo), `${ns} reached ${stack}'s MongoDB`);
                    assert.ok(refused(toApi), `${ns} reached ${stack}'s API Service: ${toApi}`);
                }
            });
        });
    }

    function describeLoadTests(stack: AppStack): void {
        describe(`${stack} under a bounded load (4 clients, a new connection per request, through the Service's ClusterIP)`, () => {
            let target = { host: "", port: 0 };
            let knownId = 0;
            const reports: string[] = [];

            before(async () => {
                const d = await deployedOf(stack);
                const svc = await cp.admin.getJson(`/api/v1/namespaces/${d.namespace}/services/${apiService(d.manifests).metadata.name}`);
                target = { host: svc.spec.clusterIP, port: svc.spec.ports[0].port };
                knownId = nextId();
                const made = await httpRequest(target, "POST", "/api/v1/users", { id: knownId, name: "known" });
                assert.strictEqual(made.status, 201, made.text);
                acknowledged.set(stack, [knownId]);
            });

            after(() => { for (const line of reports) say(line); });

            /** Applies the program's objects for `digest` under load; reports the load and the time from apply to the rollout's end. */
            async function rollTo(digest: string, what: string): Promise<LoadReport> {
                const d = await deployedOf(stack);
                const manifests = (await declare(variant(stack, digest))).manifests;
                const deployment = manifests.find((m) => m.kind === "Deployment");
                assert.ok(deployment.spec.template.spec.containers[0].image.endsWith(digest));
                const load = new Load(target, knownId, nextId);
                await sleep(2000);
                const t0 = Date.now();
                await apply(cp, manifests.filter((m) => !isNamespace(m)));
                const rollout = await waitFor(`${what}: rollout`, 240, async () => {
                    const live = await cp.admin.getJson(`/apis/apps/v1/namespaces/${d.namespace}/deployments/${deployment.metadata.name}`);
                    if (live.metadata.generation <= 1) return undefined;
                    const pods = await podsOf(cp, d.namespace, API_POD_LABELS);
                    if (pods.some((p) => !p.spec.containers[0].image.endsWith(digest))) return undefined;
                    return deploymentReady(cp.admin, d.namespace, deployment.metadata.name);
                });
                const seconds = (Date.now() - t0) / 1000;
                // The load runs on until the last old pod has finished stopping (preStop wait, the server's graceful stop).
                await waitFor(`${what}: the old pods gone`, 120, async () => {
                    const all: any[] = (await cp.admin.getJson(`/api/v1/namespaces/${d.namespace}/pods`)).items;
                    return all.some((p) => Object.entries(API_POD_LABELS).every(([k, v]) => p.metadata.labels?.[k] === v) &&
                        !p.spec.containers[0].image.endsWith(digest)) ? undefined : true;
                });
                const gone = (Date.now() - t0) / 1000;
                await sleep(1000);
                const report = await load.stop();
                ackOf(stack).push(...report.created);
                reports.push(`${what}: ${describeLoad(report)}; apply to last pod Ready: ${seconds.toFixed(1)} s (${rollout}); ` +
                    `old pods gone after ${gone.toFixed(1)} s`);
                say(reports[reports.length - 1]);
                return report;
            }

            it(`rolls to a second build of the image (by digest) with 0 failed requests, replicas as declared`, async () => {
                const report = await rollTo(digests.api2, "rolling update to build 2");
                assert.ok(report.sent > 50, `only ${report.sent} requests were sent`);
                assert.strictEqual(report.failed, 0, describeLoad(report));
            });

            it("rolls back to the first build by digest (apiImageDigest) with 0 failed requests", async () => {
                const report = await rollTo(digests.api1, "rollback by digest to build 1");
                assert.strictEqual(report.failed, 0, describeLoad(report));
            });

            it("loses no request when one API pod is deleted (graceful termination, as a drain or eviction)", async () => {
                const d = await deployedOf(stack);
                const load = new Load(target, knownId, nextId);
                await sleep(2000);
                const before = (await podsOf(cp, d.namespace, API_POD_LABELS)).map((p) => p.metadata.name);
                const victim = before[0];
                const t0 = Date.now();
                await kubectlOk(cp, ["delete", "pod", "-n", d.namespace, victim, "--wait=false"]);
                const name = d.manifests.find((m) => m.kind === "Deployment").metadata.name;
                let replacedAfter = 0;
                await waitFor("a replacement Ready and the deleted pod gone", 120, async () => {
                    const pods = await podsOf(cp, d.namespace, API_POD_LABELS);
                    const fresh = pods.filter((p) => !before.includes(p.metadata.name) &&
                        p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"));
                    if (fresh.length > 0 && !replacedAfter) replacedAfter = (Date.now() - t0) / 1000;
                    const gone = (await cp.admin.request("GET", `/api/v1/namespaces/${d.namespace}/pods/${victim}`)).status === 404;
                    return fresh.length > 0 && gone ? deploymentReady(cp.admin, d.namespace, name) : undefined;
                });
                const seconds = (Date.now() - t0) / 1000;
                await sleep(1000);
                const report = await load.stop();
                ackOf(stack).push(...report.created);
                reports.push(`pod ${victim} deleted: ${describeLoad(report)}; replacement Ready after ${replacedAfter.toFixed(1)} s, ` +
                    `the deleted pod gone after ${seconds.toFixed(1)} s (preStop wait, then the server's graceful stop)`);
                say(reports[reports.length - 1]);
                assert.strictEqual(report.failed, 0, describeLoad(report));
            });

            it("answers 503 while MongoDB restarts, recovers by itself, and loses no acknowledged write", async () => {
                const d = await deployedOf(stack);
                const sts = d.manifests.find((m) => m.kind === "StatefulSet");
                const seen = new Map<string, number>();
                const acked: number[] = [];
                let stop = false;
                let recoveredAfter = 0;
                const t0 = Date.now();
                let sawOutage = false;
                const writer = (async () => {
                    while (!stop && Date.now() - t0 < 240_000) {
                        const id = nextId();
                        let outcome: string;
                        try {
                            const r = await httpRequest(target, "POST", "/api/v1/users", { id, name: "during-restart" });
                            outcome = r.status === 503 ? `503 ${JSON.parse(r.text).error?.code}` : String(r.status);
                            if (r.status === 201) {
                                acked.push(id);
                                if (sawOutage && !recoveredAfter) recoveredAfter = (Date.now() - t0) / 1000;
                            } else {
                                sawOutage = true;
                            }
                        } catch (err) {
                            outcome = (err as Error).message;
                            sawOutage = true;
                        }
                        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
                        await sleep(100);
                    }
                })();
                await sleep(2000);
                await kubectlOk(cp, ["delete", "pod", "-n", d.namespace, `${sts.metadata.name}-0`, "--wait=false"]);
                await waitFor("MongoDB back and a write acknowledged after the outage", 240, async () => (recoveredAfter ? true : undefined));
                const stsReady = await waitFor("StatefulSet ready again", 120, () => statefulSetReady(cp.admin, d.namespace, sts.metadata.name));
                await sleep(1000);
                stop = true;
                await writer;
                const outcomes = [...seen].map(([k, v]) => `${k} x${v}`).join(", ");
                reports.push(`MongoDB pod deleted: writes answered ${outcomes}; writes acknowledged again ${recoveredAfter.toFixed(1)} s after the start (${stsReady})`);
                say(reports[reports.length - 1]);
                assert.ok(seen.has("503 database_unavailable"), `no 503 while MongoDB was away: ${outcomes}`);
                assert.deepStrictEqual([...seen.keys()].filter((k) => k !== "201" && k !== "503 database_unavailable"), [],
                    `answers other than 201 and 503: ${outcomes}`);
                // Every write acknowledged in this suite (the load tests' too) is still there.
                const all = [...ackOf(stack), ...acked];
                const missing: number[] = [];
                for (const id of all) {
                    const r = await httpRequest(target, "GET", `/api/v1/users?id=${id}`);
                    if (r.status !== 200) missing.push(id);
                }
                say(`${all.length} acknowledged writes read back after the restart, ${missing.length} missing`);
                assert.deepStrictEqual(missing, []);
            });
        });
    }
}

bootstrap().then(() => run(), (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
});
