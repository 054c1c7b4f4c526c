// The chart's values, built without a program run.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { credentialsChecksum, jenkinsValues } from "../../infra/ci/helmValues";
import { AGENT_ACCOUNT, agentNamespace, CHART_CLOUD_LANE, cloudOf, LAUNCHED_LANES } from "../../infra/pipeline";
import { CHART_FACTS, JENKINS_CHART, JENKINS_PLUGINS } from "../../infra/upstream";
import { ROOT, valueOf } from "../harness";
import { podSecurityViolations } from "../podSecurity";
import { VALUES_ARGS } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- the chart's values are loosely typed */

const JENKINSFILE = fs.readFileSync(path.join(ROOT, "Jenkinsfile"), "utf8");
const values = (overrides: Partial<typeof VALUES_ARGS> = {}): any => jenkinsValues({ ...VALUES_ARGS, ...overrides });

/** `2.541.3` <= `2.568.2`, numerically. */
function atMost(version: string, limit: string): boolean {
    const a = version.split(".").map(Number);
    const b = limit.split(".").map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
    }
    return true;
}

describe("the chart's values", () => {
    describe("plugins", () => {
        it("every plugin is pinned to the release named in the upstream table, the latest resolution off", () => {
            const plugins = values().controller.installPlugins as string[];
            for (const plugin of plugins) assert.match(plugin, /^[a-z0-9-]+:\d[\w.]*$/, plugin);
            assert.deepStrictEqual(plugins.map((p) => p.split(":")[0]).sort(), JENKINS_PLUGINS.map((p) => p.name).sort());
            assert.strictEqual(new Set(plugins.map((p) => p.split(":")[0])).size, plugins.length, "one version of each");
            assert.strictEqual(values().controller.installLatestPlugins, false);
        });

        it("no plugin needs a newer Jenkins than the chart runs", () => {
            for (const plugin of JENKINS_PLUGINS.filter((p) => /^\d/.test(p.requiresJenkins))) {
                assert.ok(atMost(plugin.requiresJenkins, JENKINS_CHART.jenkinsVersion),
                    `${plugin.name} needs Jenkins ${plugin.requiresJenkins}, the chart runs ${JENKINS_CHART.jenkinsVersion}`);
            }
        });

        it("has no lock a build could take and hold: one update per stack comes from the backend's own lock", () => {
            assert.ok(!JENKINS_PLUGINS.some((p) => p.name === "lockable-resources"), "any build could lock('pulumi-stack-production') forever");
            assert.doesNotMatch(JENKINSFILE, /\block\(/);
            assert.match(JENKINSFILE, /disableConcurrentBuilds\(\)/);
        });

        it("has every plugin that what JCasC, the jobs and the Jenkinsfile use comes from", () => {
            const installed = JENKINS_PLUGINS.map((p) => p.name);
            const casc = Object.values(values().controller.JCasC.configScripts as Record<string, string>).join("\n");
            const uses: [string, RegExp, string][] = [
                ["JCasC", /./, "configuration-as-code"],
                ["JCasC", /^jobs:/m, "job-dsl"],
                ["JCasC", /^\s*- kubernetes:/m, "kubernetes"],
                ["JCasC", /^\s*- string:/m, "plain-credentials"],
                ["JCasC", /gitHubBranchDiscovery|gitHubForkDiscovery|gitHubPluginConfig/, "github-branch-source"],
                ["JCasC", /multibranchPipelineJob/, "workflow-aggregator"],
                ["Jenkinsfile", /^pipeline \{/m, "workflow-aggregator"],
                ["Jenkinsfile", /kubernetes \{/, "kubernetes"],
                ["Jenkinsfile", /timestamps\(\)/, "timestamper"],
                ["Jenkinsfile", /\bjunit /, "junit"],
                ["Jenkinsfile", /\bsh /, "workflow-aggregator"],
            ];
            for (const [where, use, plugin] of uses) {
                const text = where === "JCasC" ? casc : JENKINSFILE;
                if (use.test(text)) assert.ok(installed.includes(plugin), `${where} uses ${use}, which needs ${plugin}`);
            }
            // Every checkout is git's.
            assert.ok(installed.includes("git"));
        });
    });

    describe("the controller", () => {
        it("meets Pod Security restricted, as the chart renders it with these values", () => {
            const v = values().controller;
            // The chart's default pod context (values.yaml runAsUser/fsGroup, statefulset L84-108) and our container contexts.
            const user = CHART_FACTS.controllerUser;
            const pod = {
                securityContext: { runAsUser: user, fsGroup: user, runAsNonRoot: true },
                initContainers: [
                    { name: "config-reload-init", securityContext: v.sidecars.configAutoReload.containerSecurityContext },
                    { name: "init", securityContext: v.containerSecurityContext },
                ],
                containers: [
                    { name: "jenkins", securityContext: v.containerSecurityContext },
                    { name: "config-reload", securityContext: v.sidecars.configAutoReload.containerSecurityContext },
                ],
            };
            assert.deepStrictEqual(podSecurityViolations(pod, "restricted"), []);
            const defaults = { ...pod, containers: pod.containers.map((c) => ({ ...c, securityContext: { allowPrivilegeEscalation: false } })) };
            assert.notDeepStrictEqual(podSecurityViolations(defaults, "restricted"), [], "the chart's defaults alone would not");
            assert.strictEqual(v.containerSecurityContext.readOnlyRootFilesystem, true);
        });

        it("has persistence, requests and limits, and a startup probe long enough for plugin installation", () => {
            const v = values({ storageSize: "20Gi" });
            assert.strictEqual(v.persistence.enabled, true);
            assert.strictEqual(v.persistence.size, "20Gi");
            assert.ok(v.controller.resources.requests.cpu && v.controller.resources.requests.memory);
            assert.ok(v.controller.resources.limits.cpu && v.controller.resources.limits.memory);
            const startup = v.controller.probes.startupProbe;
            assert.ok(startup.failureThreshold * startup.periodSeconds >= 600, "at least 10 minutes to start");
        });

        it("exposure is an explicit choice: a LoadBalancer, or an Ingress on a host, with keys the chart has", () => {
            assert.deepStrictEqual(values().controller.ingress, { enabled: false });
            const v = values({ serviceType: "LoadBalancer", ingressHost: "jenkins.xpto.example" });
            assert.strictEqual(v.controller.serviceType, "LoadBalancer");
            assert.deepStrictEqual(v.controller.ingress, { enabled: true, hostName: "jenkins.xpto.example", pathType: "Prefix", path: "/" });
            for (const key of Object.keys(v.controller.ingress)) {
                assert.ok((CHART_FACTS.ingressKeys as readonly string[]).includes(key), `controller.ingress.${key} is a chart key`);
            }
        });

        it("rolls when a credential changes: the checksum annotation follows every credential value, and is not secret", async () => {
            const sum = credentialsChecksum(["xpto-ci", "token-1"]);
            assert.notStrictEqual(await valueOf(sum), await valueOf(credentialsChecksum(["xpto-ci", "token-2"])));
            assert.notStrictEqual(await valueOf(sum), await valueOf(credentialsChecksum(["xpto-cj", "token-1"])));
            assert.match(await valueOf(sum), /^[0-9a-f]{64}$/);
            assert.strictEqual(values({ credentialsChecksum: "abc" }).controller[CHART_FACTS.podAnnotationsKey]["xpto.io/credentials-checksum"], "abc");
        });
    });

    it("the chart's own cloud, open to every job, is the fork lane's: a namespace with no credential, no implicit pod template", () => {
        const v = values({ jenkinsNamespace: "ci-space" });
        assert.strictEqual(v.controller[CHART_FACTS.defaultCloudNameKey], cloudOf(CHART_CLOUD_LANE));
        assert.ok(!(LAUNCHED_LANES as readonly string[]).includes(CHART_CLOUD_LANE), "a cloud every job can use launches with no lane's token");
        assert.deepStrictEqual(v.agent, { enabled: true, namespace: agentNamespace("ci-space", CHART_CLOUD_LANE), disableDefaultAgent: true });
        assert.deepStrictEqual(v.serviceAccountAgent, { create: false, name: AGENT_ACCOUNT });
        assert.deepStrictEqual(v.rbac, { create: true, readSecrets: false });
    });
});
