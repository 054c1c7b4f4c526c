// The attack suite: a build of any branch but master plays the attacker, with
// the identities and files such a build has — its lane's launcher (what its
// Jenkinsfile and pod file ask Jenkins to create), its lane's pipeline-agent
// (what its npm scripts and program run as), the develop deployer (what a
// develop branch's program can declare) — and every attempt to reach
// production, another lane's credentials, the node or the pipeline's own
// guard rails must be refused by the real API server: RBAC, Pod Security
// admission and the lane pod policy.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { BUILDER_CONTAINER, LANE_POD_POLICY_NAME } from "../../infra/ci/lanePodPolicy";
import {
    AGENT_ACCOUNT, agentNamespace, DEPLOY_LANES, LANE_CREDENTIALS_SECRET, LANE_LABEL, LANES, type Lane, LAUNCHED_LANES,
    type LaunchedLane, launcherOf, launcherTokenSecretOf, UNTRUSTED_LABEL,
} from "../../infra/pipeline";
import { ROOT } from "../harness";
import { type ControlPlane, Kube, kubectlOk, waitFor } from "./controlPlane";
import type { Manifest } from "./declared";

/* eslint-disable @typescript-eslint/no-explicit-any -- API objects are read loosely */

const ENFORCE = "pod-security.kubernetes.io/enforce";
const JENKINS = "jenkins";
const say = (line: string) => console.log(`      · ${line}`);

function podFile(file: string): any {
    return yaml.load(fs.readFileSync(path.join(ROOT, "ci", file), "utf8"));
}

/** A pod as an attacker's pod file would write it: the lane's own pod, changed by `change`. */
function attackPod(base: any, name: string, change: (spec: any) => void): any {
    const pod = JSON.parse(JSON.stringify(base));
    pod.metadata = { ...pod.metadata, name };
    change(pod.spec);
    return pod;
}

const container = (spec: any, name: string) => spec.containers.find((c: any) => c.name === name);

/** What an attacker writes into a lane's pod file, each a way out of the pod onto its node. */
const ESCAPES: [string, (spec: any) => void][] = [
    ["a privileged container", (s) => { container(s, "pulumi").securityContext = { privileged: true }; }],
    ["the node's filesystem (hostPath /)", (s) => {
        s.volumes = [...(s.volumes ?? []), { name: "node", hostPath: { path: "/" } }];
        container(s, "pulumi").volumeMounts = [{ name: "node", mountPath: "/node" }];
    }],
    ["the node's processes (hostPID)", (s) => { s.hostPID = true; }],
    ["the node's network (hostNetwork)", (s) => { s.hostNetwork = true; }],
    ["the node's IPC (hostIPC)", (s) => { s.hostIPC = true; }],
    ["an added capability (SYS_ADMIN)", (s) => { container(s, "pulumi").securityContext = { capabilities: { add: ["SYS_ADMIN"] } }; }],
    ["a host port", (s) => { container(s, "pulumi").ports = [{ containerPort: 2375, hostPort: 2375 }]; }],
    ["an unconfined seccomp profile on another container", (s) => {
        container(s, "pulumi").securityContext = { seccompProfile: { type: "Unconfined" } };
    }],
    ["an unconfined AppArmor profile on another container", (s) => {
        container(s, "pulumi").securityContext = { appArmorProfile: { type: "Unconfined" } };
    }],
    ["an unconfined pod-wide seccomp profile", (s) => { s.securityContext = { seccompProfile: { type: "Unconfined" } }; }],
    ["an unmasked /proc (in a user namespace, as the API requires)", (s) => {
        s.hostUsers = false;
        container(s, "pulumi").securityContext = { procMount: "Unmasked" };
    }],
    ["an SELinux type of its choice", (s) => { s.securityContext = { seLinuxOptions: { type: "spc_t" } }; }],
    ["a sysctl", (s) => { s.securityContext = { sysctls: [{ name: "kernel.shm_rmid_forced", value: "1" }] }; }],
];

/** Ways to abuse the builder's allowance itself, in a deploying lane. */
const BUILDER_ABUSES: [string, (spec: any) => void][] = [
    ["the builder's name on another image", (s) => { container(s, BUILDER_CONTAINER).image = "attacker/tools:latest"; }],
    ["the builder as root", (s) => { Object.assign(container(s, BUILDER_CONTAINER).securityContext, { runAsUser: 0, runAsNonRoot: false }); }],
    ["the builder privileged", (s) => { container(s, BUILDER_CONTAINER).securityContext.privileged = true; }],
    ["the builder with an added capability", (s) => { container(s, BUILDER_CONTAINER).securityContext.capabilities = { add: ["SYS_ADMIN"] }; }],
    ["an init container posing as the builder's profile", (s) => {
        s.initContainers = [{ ...container(s, BUILDER_CONTAINER), name: "setup", command: ["true"] }];
    }],
];

interface Attacker {
    user: string;
    kube: Kube;
}

async function attackerOf(cp: ControlPlane, namespace: string, name: string): Promise<Attacker> {
    const token = (await kubectlOk(cp, ["create", "token", "-n", namespace, name, "--duration=1h"])).trim();
    const user = `system:serviceaccount:${namespace}:${name}`;
    return { user, kube: cp.admin.as(token, user) };
}

/** Creates a pod as `who` in a dry run (admission runs in full; nothing is stored). */
function tryPod(who: Kube, namespace: string, pod: any) {
    return who.request("POST", `/api/v1/namespaces/${namespace}/pods`, { body: pod, query: { dryRun: "All" } });
}

function refusedByAdmission(reply: { status: number; message: string }, what: string): void {
    assert.ok(reply.status === 403 || reply.status === 422, `${what}: admitted (${reply.status})`);
    assert.match(reply.message, /ValidatingAdmissionPolicy 'xpto-pipeline-lane-pods'|violates PodSecurity/, `${what}: ${reply.message}`);
    assert.doesNotMatch(reply.message, /cannot create resource/, `${what}: refused by RBAC, so admission went untested`);
}


/**
 * The attacks, on the objects the committed stacks declare (`everything`,
 * already applied by the suite). Defined after the applies, so they run on
 * the server as the program leaves it.
 */
export function describeAttacks(cp: ControlPlane, everything: Manifest[]): void {
    const laneNamespaces = everything.filter((m) => m.kind === "Namespace" && m.metadata.labels?.[LANE_LABEL] &&
        m.metadata.name.startsWith(`${JENKINS}-agents-`));
    const laneOf = (namespace: string) => laneNamespaces.find((m) => m.metadata.name === namespace)?.metadata.labels[LANE_LABEL] as Lane;
    const deployPod = podFile("deploy-pod.yaml");
    const previewPod = podFile("preview-pod.yaml");
    const podOf = (lane: Lane) => ((DEPLOY_LANES as readonly Lane[]).includes(lane) ? deployPod : previewPod);

    describe("attack suite: a build of any branch but master, with the identities and files it has, is refused", function () {
        this.timeout(120_000);
        const launchers = {} as Record<LaunchedLane, Attacker>;
        const agents = {} as Record<Lane, Attacker>;

        before(async () => {
            assert.deepStrictEqual(laneNamespaces.map((m) => m.metadata.name).sort(), LANES.map((l) => agentNamespace(JENKINS, l)).sort());
            for (const lane of LAUNCHED_LANES) launchers[lane] = await attackerOf(cp, JENKINS, launcherOf(lane));
            for (const lane of LANES) agents[lane] = await attackerOf(cp, agentNamespace(JENKINS, lane), AGENT_ACCOUNT);
            // The policy takes effect once the API server has loaded it: wait until it refuses an escape.
            const probe = attackPod(deployPod, "policy-loaded-probe", ESCAPES[1][1]);
            await waitFor("the lane pod policy in force", 60, async () =>
                ((await tryPod(cp.admin, agentNamespace(JENKINS, "develop"), probe)).message.includes(LANE_POD_POLICY_NAME) ? true : undefined));
        });

        describe("the lane pod files are admitted where they belong, and only there", () => {
            for (const lane of LANES) {
                const namespace = agentNamespace(JENKINS, lane);
                const file = (DEPLOY_LANES as readonly Lane[]).includes(lane) ? "deploy-pod.yaml" : "preview-pod.yaml";
                it(`ci/${file} is admitted in ${namespace}${lane === "fork" ? " (as the admin: the chart's controller launches here)" : `, launched by ${launcherOf(lane as LaunchedLane)}`}`, async () => {
                    const who = lane === "fork" ? cp.admin : launchers[lane as LaunchedLane].kube;
                    const reply = await tryPod(who, namespace, attackPod(podOf(lane), "agent", () => undefined));
                    assert.strictEqual(reply.status, 201, reply.message);
                });
            }
            for (const lane of ["preview", "fork"] as const) {
                it(`the builder (ci/deploy-pod.yaml) is refused in ${agentNamespace(JENKINS, lane)}: only deploying lanes build`, async () => {
                    refusedByAdmission(await tryPod(cp.admin, agentNamespace(JENKINS, lane), attackPod(deployPod, "builder", () => undefined)), lane);
                });
            }
        });

        for (const lane of LANES) {
            const namespace = agentNamespace(JENKINS, lane);
            const who = lane === "fork" ? "the admin (as the chart's controller would)" : launcherOf(lane as LaunchedLane);
            it(`a pod file in ${namespace} (${who}) cannot reach its node: ${ESCAPES.length} escapes refused by admission`, async () => {
                const kube = lane === "fork" ? cp.admin : launchers[lane as LaunchedLane].kube;
                const ns = await cp.admin.getJson(`/api/v1/namespaces/${namespace}`);
                say(`${namespace}: Pod Security enforce ${ns.metadata.labels[ENFORCE]}, plus the lane pod policy`);
                for (const [what, change] of ESCAPES) {
                    refusedByAdmission(await tryPod(kube, namespace, attackPod(podOf(lane), "escape", change)), `${lane}: ${what}`);
                }
            });
        }

        for (const lane of DEPLOY_LANES) {
            const namespace = agentNamespace(JENKINS, lane);
            it(`the builder's allowance cannot be stretched in ${namespace}: ${BUILDER_ABUSES.map(([w]) => w).join("; ")}`, async () => {
                for (const [what, change] of BUILDER_ABUSES) {
                    const reply = await tryPod(launchers[lane].kube, namespace, attackPod(deployPod, "abuse", change));
                    refusedByAdmission(reply, `${lane}: ${what}`);
                }
            });
        }

        it("no lane's launcher can create pods in another lane's namespace or in Jenkins' (where the GitHub credential lives)", async () => {
            for (const lane of LAUNCHED_LANES) {
                for (const namespace of [...LANES.filter((l) => l !== lane).map((l) => agentNamespace(JENKINS, l)), JENKINS, "production", "develop"]) {
                    const reply = await tryPod(launchers[lane].kube, namespace, attackPod(previewPod, "elsewhere", () => undefined));
                    assert.strictEqual(reply.status, 403, `${launchers[lane].user} in ${namespace}: ${reply.message}`);
                }
            }
        });

        it("no lane identity can read a lane's credentials (pods get them by mounting), a launcher's token or the GitHub credential", async () => {
            const secrets = [
                ...LANES.filter((l) => l !== "fork").map((l) => ({ namespace: agentNamespace(JENKINS, l), name: LANE_CREDENTIALS_SECRET })),
                ...LAUNCHED_LANES.map((l) => ({ namespace: JENKINS, name: launcherTokenSecretOf(l) })),
                { namespace: JENKINS, name: "jenkins-github" },
            ];
            let refused = 0;
            for (const lane of LANES) {
                for (const attacker of [agents[lane], ...(lane === "fork" ? [] : [launchers[lane as LaunchedLane]])]) {
                    for (const s of secrets) {
                        const reply = await attacker.kube.request("GET", `/api/v1/namespaces/${s.namespace}/secrets/${s.name}`);
                        assert.strictEqual(reply.status, 403, `${attacker.user} read ${s.namespace}/${s.name}`);
                        refused++;
                    }
                    const list = await attacker.kube.request("GET", `/api/v1/namespaces/${JENKINS}/secrets`);
                    assert.strictEqual(list.status, 403, `${attacker.user} listed Jenkins' Secrets`);
                }
            }
            say(`${refused} reads of Secrets refused`);
        });

        it("no lane but production's can read or change anything in production (previews read develop only)", async () => {
            for (const lane of LANES.filter((l) => l !== "production")) {
                for (const attacker of [agents[lane], ...(lane === "fork" ? [] : [launchers[lane as LaunchedLane]])]) {
                    for (const resource of ["secrets", "pods", "configmaps", "services"]) {
                        const read = await attacker.kube.request("GET", `/api/v1/namespaces/production/${resource}`);
                        assert.strictEqual(read.status, 403, `${attacker.user} listed production's ${resource}`);
                    }
                    const deployments = await attacker.kube.request("GET", "/apis/apps/v1/namespaces/production/deployments/users-api");
                    assert.strictEqual(deployments.status, 403, `${attacker.user} read production's Deployment`);
                    const patch = await attacker.kube.request("PATCH", "/apis/apps/v1/namespaces/production/deployments/users-api",
                        { body: { spec: { replicas: 0 } }, contentType: "application/merge-patch+json" });
                    assert.strictEqual(patch.status, 403, `${attacker.user} scaled production's API`);
                }
            }
        });

        it("no pipeline identity can relabel a namespace's Pod Security level, its lane or its trust, not even its own app namespace", async () => {
            const namespaces = ["develop", "production", JENKINS, ...LANES.map((l) => agentNamespace(JENKINS, l))];
            const attackers = [...Object.values(agents), ...Object.values(launchers)];
            for (const attacker of attackers) {
                for (const namespace of namespaces) {
                    for (const labels of [{ [ENFORCE]: "privileged" }, { [LANE_LABEL]: null }, { [UNTRUSTED_LABEL]: null }]) {
                        const reply = await attacker.kube.request("PATCH", `/api/v1/namespaces/${namespace}`,
                            { body: { metadata: { labels } }, contentType: "application/merge-patch+json" });
                        assert.strictEqual(reply.status, 403, `${attacker.user} relabelled ${namespace}: ${reply.message}`);
                    }
                }
            }
            const develop = await cp.admin.getJson("/api/v1/namespaces/develop");
            assert.strictEqual(develop.metadata.labels[ENFORCE], "restricted");
        });

        it("the develop deployer's privileged Deployment is stored, but Pod Security never lets its pods exist", async () => {
            const attacker = agents.develop;
            const deployment = {
                apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "attack-privileged", namespace: "develop" },
                spec: {
                    replicas: 1, selector: { matchLabels: { attack: "privileged" } },
                    template: {
                        metadata: { labels: { attack: "privileged" } },
                        spec: {
                            hostPID: true,
                            containers: [{ name: "c", image: "attacker/tools:latest", securityContext: { privileged: true } }],
                            volumes: [{ name: "node", hostPath: { path: "/" } }],
                        },
                    },
                },
            };
            const created = await attacker.kube.request("POST", "/apis/apps/v1/namespaces/develop/deployments", { body: deployment });
            assert.strictEqual(created.status, 201, `the deployer may write Deployments in develop: ${created.message}`);
            try {
                const failure = await waitFor("a FailedCreate for the attack's pods", 60, async () => {
                    const events: any[] = (await cp.admin.getJson("/api/v1/namespaces/develop/events")).items;
                    return events.find((e) => e.reason === "FailedCreate" && e.involvedObject.name.startsWith("attack-privileged"))?.message;
                });
                say(`develop: ${failure}`);
                assert.match(failure, /violates PodSecurity "restricted:latest"/);
                const pods: any[] = (await cp.admin.getJson("/api/v1/namespaces/develop/pods?labelSelector=attack%3Dprivileged")).items;
                assert.deepStrictEqual(pods, []);
            } finally {
                await cp.admin.request("DELETE", "/apis/apps/v1/namespaces/develop/deployments/attack-privileged", { query: { propagationPolicy: "Background" } });
            }
        });

        it("no pipeline identity can change or remove the lane pod policy, or write any cluster-wide admission object", async () => {
            const attackers = [...Object.values(agents), ...Object.values(launchers)];
            const base = "/apis/admissionregistration.k8s.io/v1";
            for (const attacker of attackers) {
                for (const kind of ["validatingadmissionpolicies", "validatingadmissionpolicybindings"]) {
                    const del = await attacker.kube.request("DELETE", `${base}/${kind}/${LANE_POD_POLICY_NAME}`);
                    assert.strictEqual(del.status, 403, `${attacker.user} deleted ${kind}`);
                    const patch = await attacker.kube.request("PATCH", `${base}/${kind}/${LANE_POD_POLICY_NAME}`,
                        { body: { metadata: { labels: { x: "y" } } }, contentType: "application/merge-patch+json" });
                    assert.strictEqual(patch.status, 403, `${attacker.user} changed ${kind}`);
                }
                const hook = await attacker.kube.request("POST", `${base}/mutatingwebhookconfigurations`, { query: { dryRun: "All" }, body: {
                    apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", metadata: { name: "attack" }, webhooks: [],
                } });
                assert.strictEqual(hook.status, 403, `${attacker.user} created a webhook`);
            }
            const binding = await cp.admin.getJson(`${base}/validatingadmissionpolicybindings/${LANE_POD_POLICY_NAME}`);
            assert.deepStrictEqual(binding.spec.validationActions, ["Deny"]);
        });

        it("every lane namespace has its egress policy stored; the node suite proves its effect by traffic", () => {
            // No pod runs on this control plane: test/node/ connects from lane pods through kube-router. A cluster
            // whose CNI ignores NetworkPolicy would let a lane pod dial production's API (README, Threat model).
            const egress = everything.filter((m) => m.kind === "NetworkPolicy" && m.metadata.name === "lane-egress" &&
                laneOf(m.metadata.namespace) !== undefined);
            assert.strictEqual(egress.length, LANES.length);
        });
    });
}
