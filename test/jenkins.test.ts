import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT } from "../infra/config";
import { laneJobDsl } from "../infra/ci/casc/jobs";
import { CREDENTIAL_IDS, JOB_NAMES } from "../infra/ci/names";
import { DEPLOY_LANES, LANE_BRANCHES, LANES, LAUNCHED_LANES } from "../infra/pipeline";
import { LANE_POD_SECURITY } from "../infra/ci/pipelineLanes";
import { lanePodRules } from "../infra/ci/lanePodPolicy";
import { AGENT_IMAGES, CHART_FACTS, JENKINS_CHART, JENKINS_PLUGINS } from "../infra/upstream";
import {
    type DeclaredResource, findOne, kubernetesObjects, ProgramRun, ROOT, runProgram, SENTINELS, stackFileConfig, valueOf,
} from "./harness";
import { isSecretValue, plain, spec, validateKubernetesObject } from "./kubernetesSchema";
import { podSecurityViolations } from "./podSecurity";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read the chart's loosely typed values */

const JENKINSFILE = fs.readFileSync(path.join(ROOT, "Jenkinsfile"), "utf8");

function values(run: ProgramRun): any {
    return plain(findOne(run, "Release").inputs.values);
}

function casc(run: ProgramRun, script: string): any {
    return yaml.load(values(run).controller.JCasC.configScripts[script]);
}

function credentials(run: ProgramRun): any[] {
    return casc(run, "credentials").credentials.system.domainCredentials[0].credentials
        .map((c: any) => ({ kind: Object.keys(c)[0], ...(Object.values(c)[0] as object) }));
}

/** Every string in a tree, for searching. */
function strings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (typeof value !== "object" || value === null) return [];
    return Object.values(value).flatMap(strings);
}

/** The one resource of this type suffix and Pulumi name. */
function named(run: ProgramRun, name: string, kind = ""): DeclaredResource {
    const found = run.resources.filter((r) => r.name === name && r.type.endsWith(kind));
    assert.strictEqual(found.length, 1, `one ${kind || "resource"} named ${name}`);
    return found[0];
}

/** `2.541.3` <= `2.568.2`, numerically. */
function atMost(version: string, limit: string): boolean {
    const a = version.split(".").map(Number);
    const b = limit.split(".").map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
    }
    return true;
}

const withSettings = (settings: Record<string, string>) =>
    ({ ...stackFileConfig("jenkins"), ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v])) });

describe("the jenkins stack", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("jenkins");
    });

    it("declares Jenkins and the pipeline's lanes, and nothing of the app", () => {
        const declared = run.resources.filter((r) => !r.type.startsWith("xpto:")).map((r) => `${r.type.split(":").pop()}/${r.name}`).sort();
        const perLane = LANES.flatMap((lane) => [
            `Namespace/lanes-${lane}`, `ServiceAccount/lanes-${lane}-agent`,
            `NetworkPolicy/lanes-${lane}-deny-ingress`, `NetworkPolicy/lanes-${lane}-egress`,
            ...(lane === "fork" ? [] : [`Secret/lanes-${lane}-credentials`]),
        ]);
        const launchers = LAUNCHED_LANES.flatMap((lane) => [
            `ServiceAccount/lanes-${lane}-launcher`, `Secret/lanes-${lane}-launcher-token`, `Role/lanes-${lane}-launcher`,
            `RoleBinding/lanes-${lane}-launcher`,
        ]);
        assert.deepStrictEqual(declared, [
            "Namespace/jenkins-namespace", "RandomPassword/jenkins-admin-password", "Release/jenkins", "Secret/jenkins-admin",
            "Secret/jenkins-github", "RandomPassword/jenkins-webhook-secret", "Secret/jenkins-webhook", ...perLane, ...launchers,
            "ValidatingAdmissionPolicy/lane-pods", "ValidatingAdmissionPolicyBinding/lane-pods",
        ].sort());
    });

    it("every Kubernetes object validates against the schema", () => {
        for (const object of kubernetesObjects(run)) {
            assert.doesNotThrow(() => validateKubernetesObject(object), `${object.type} ${object.name}`);
        }
    });

    describe("the Helm release", () => {
        it("is the official chart at the pinned version, in Jenkins' namespace, with a timeout", () => {
            const release = spec(findOne(run, "Release"));
            assert.strictEqual(release.chart, JENKINS_CHART.name);
            assert.deepStrictEqual(release.repositoryOpts, { repo: JENKINS_CHART.repository });
            assert.strictEqual(release.version, JENKINS_CHART.version);
            assert.strictEqual(release.namespace, "jenkins");
            assert.strictEqual(release.name, "jenkins");
            assert.ok(release.timeout >= 600 && release.timeout <= 1800, `timeout ${release.timeout} s`);
        });

        it("a failed install or upgrade rolls back and cleans up (atomic, cleanupOnFail)", () => {
            const release = spec(findOne(run, "Release"));
            assert.strictEqual(release.atomic, true);
            assert.strictEqual(release.cleanupOnFail, true);
        });

        it("no secret reaches the Helm values, anywhere in the tree", () => {
            const tree = findOne(run, "Release").inputs.values;
            for (const text of strings(plain(tree))) {
                assert.ok(!text.includes(SENTINELS.prefix), `a secret is in the values: ${text.slice(0, 80)}`);
            }
            assert.ok(!isSecretValue(tree), "the values are plain: nothing secret to hide");
        });
    });

    describe("admin login", () => {
        it("the chart projects our random admin Secret: createSecret stays true, existingSecret names it", () => {
            const admin = values(run).controller.admin;
            assert.strictEqual(admin.createSecret, true, "with createSecret false the chart projects no admin Secret at all");
            const secret = findOne(run, "Secret", admin.existingSecret);
            assert.strictEqual(spec(secret).metadata.namespace, "jenkins");
            assert.strictEqual(spec(secret).stringData[admin.passwordKey], SENTINELS.password("jenkins-admin-password"));
            assert.strictEqual(spec(secret).stringData[admin.userKey], "admin");
            assert.ok(isSecretValue(secret.inputs.stringData));
        });
    });

    describe("plugins", () => {
        it("every plugin is pinned to the release named in the upstream table, the latest resolution off", () => {
            const plugins = values(run).controller.installPlugins as string[];
            assert.deepStrictEqual(plugins, JENKINS_PLUGINS.map((p) => `${p.name}:${p.version}`));
            for (const plugin of plugins) assert.match(plugin, /^[a-z0-9-]+:\d[\w.]*$/, plugin);
            assert.strictEqual(values(run).controller.installLatestPlugins, false);
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

        it("has what the jobs, the clouds, the credentials and the Jenkinsfile use", () => {
            const names = JENKINS_PLUGINS.map((p) => p.name);
            for (const needed of ["kubernetes", "workflow-aggregator", "git", "configuration-as-code", "job-dsl",
                "github-branch-source", "plain-credentials", "timestamper", "junit"]) {
                assert.ok(names.includes(needed), `${needed} is installed`);
            }
            for (const [step, plugin] of [["timestamps()", "timestamper"], ["junit ", "junit"]]) {
                assert.ok(!JENKINSFILE.includes(step) || names.includes(plugin), `${step} needs ${plugin}`);
            }
        });
    });

    describe("configuration as code", () => {
        it("every document parses, and refers only to Secret keys the chart mounts", () => {
            const mounted = new Set((values(run).controller.additionalExistingSecrets as { name: string; keyName: string }[])
                .map((m) => CHART_FACTS.existingSecretReference(m.name, m.keyName)));
            for (const [name, text] of Object.entries(values(run).controller.JCasC.configScripts as Record<string, string>)) {
                assert.doesNotThrow(() => yaml.load(text), name);
                for (const [reference] of text.matchAll(/\$\{[^}]+\}/g)) {
                    assert.ok(mounted.has(reference), `${name} refers to ${reference}, which nothing mounts`);
                }
            }
            const secretNames = new Set(kubernetesObjects(run).map(spec).filter((o) => o.kind === "Secret").map((o) => o.metadata.name));
            for (const { name } of values(run).controller.additionalExistingSecrets) {
                assert.ok(secretNames.has(name), `the mounted Secret ${name} is declared`);
            }
        });

        it("GitHub is reached with a user and token, never anonymously; launcher tokens are for Jenkins itself only", () => {
            const byId = Object.fromEntries(credentials(run).map((c) => [c.id, c]));
            assert.strictEqual(byId[CREDENTIAL_IDS.gitHub].kind, "usernamePassword");
            assert.strictEqual(byId[CREDENTIAL_IDS.gitHub].scope, "GLOBAL");
            for (const lane of LAUNCHED_LANES) {
                const launcher = byId[CREDENTIAL_IDS.launcher(lane)];
                assert.strictEqual(launcher.kind, "string");
                assert.strictEqual(launcher.scope, "SYSTEM", "no build can bind a launcher's token");
            }
            assert.strictEqual(byId[CREDENTIAL_IDS.webhook].kind, "string");
            assert.strictEqual(byId[CREDENTIAL_IDS.webhook].scope, "SYSTEM", "no build can bind the webhook secret");
            assert.strictEqual(credentials(run).length, 2 + LAUNCHED_LANES.length);
            const data = spec(findOne(run, "Secret", "jenkins-github")).stringData;
            assert.deepStrictEqual(data, { username: "xpto-ci", token: SENTINELS.secret("jenkinsGitHubToken") });
        });

        it("each lane with credentials has a cloud of its own: its namespace, its launcher's token, usable only where permitted", () => {
            const clouds = casc(run, "lane-clouds").jenkins.clouds.map((c: any) => c.kubernetes);
            assert.deepStrictEqual(clouds.map((c: any) => c.name), [...LAUNCHED_LANES]);
            for (const cloud of clouds) {
                assert.strictEqual(cloud.namespace, `jenkins-agents-${cloud.name}`);
                assert.strictEqual(cloud.credentialsId, CREDENTIAL_IDS.launcher(cloud.name));
                assert.strictEqual(cloud.usageRestricted, true);
                assert.ok(!("serverUrl" in cloud),
                    "with a serverUrl and a token the plugin would not trust the in-cluster CA");
                assert.strictEqual(cloud.jenkinsUrl, "http://jenkins.jenkins.svc.cluster.local:8080");
                assert.strictEqual(cloud.jenkinsTunnel, "jenkins-agent.jenkins.svc.cluster.local:50000");
                assert.deepStrictEqual(cloud.podLabels, [{ key: "jenkins/jenkins-jenkins-agent", value: "true" }]);
            }
        });

        it("the chart's own cloud, open to every job, is the fork lane's: a namespace with no credential, no implicit pod template", () => {
            const v = values(run);
            assert.strictEqual(v.controller.cloudName, "fork");
            assert.deepStrictEqual(v.agent, { enabled: true, namespace: "jenkins-agents-fork", disableDefaultAgent: true });
            assert.deepStrictEqual(v.serviceAccountAgent, { create: false, name: "pipeline-agent" });
            assert.deepStrictEqual(kubernetesObjects(run).map(spec).filter((o) => o.metadata.namespace === "jenkins-agents-fork")
                .map((o) => o.kind).sort(), ["NetworkPolicy", "NetworkPolicy", "ServiceAccount"], "nothing there for a build to take");
            assert.deepStrictEqual(v.rbac, { create: true, readSecrets: false });
        });

        it("every cloud the Jenkinsfile can ask for exists", () => {
            const defined = [...casc(run, "lane-clouds").jenkins.clouds.map((c: any) => c.kubernetes.name), values(run).controller.cloudName];
            assert.match(JENKINSFILE, /cloud lane\(\)/);
            for (const lane of LANES) assert.ok(defined.includes(lane), `cloud ${lane}`);
        });

        it("one job per lane: each discovers only its own builds and, but for forks, may use only its own cloud", () => {
            const jobs = casc(run, "lane-jobs").jobs.map((j: any) => j.script as string);
            assert.strictEqual(jobs.length, LANES.length);
            for (const lane of LANES) {
                const script = jobs.find((j: string) => j.startsWith(`multibranchPipelineJob('${JOB_NAMES[lane]}')`));
                assert.ok(script, `a job for ${lane}`);
                assert.strictEqual(script, laneJobDsl(lane, "https://github.com/xpto/users-api"));
                assert.match(script, /repoOwner\('xpto'\)/);
                assert.match(script, /repository\('users-api'\)/);
                assert.match(script, /credentialsId\('github'\)/);
                assert.match(script, /scriptPath\('Jenkinsfile'\)/);
                if (lane === "fork") {
                    // Forks only; their pull requests run the target branch's Jenkinsfile, whoever opened them.
                    assert.match(script, /gitHubForkDiscovery \{[^}]*trust \{ gitHubTrustNobody\(\) \}/s);
                    assert.doesNotMatch(script, /gitHubBranchDiscovery|gitHubPullRequestDiscovery/);
                    assert.doesNotMatch(script, /permittedClouds/, "the chart's cloud, which holds nothing, serves every job");
                    continue;
                }
                assert.doesNotMatch(script, /ForkDiscovery/, "only the fork lane builds forks");
                // All branches, PR or not: a release PR from develop must not stop develop's deploys.
                assert.match(script, /gitHubBranchDiscovery \{ strategyId\(3\) \}/);
                assert.match(script, new RegExp(`kubernetes \\{ permittedClouds\\(\\['${lane}'\\]\\) \\}`));
                if (lane === "preview") {
                    assert.match(script, /includes\('\*'\)/);
                    assert.match(script, /excludes\('master develop desenvolvimento'\)/);
                    assert.match(script, /gitHubPullRequestDiscovery \{ strategyId\(1\) \}/);
                } else {
                    assert.match(script, new RegExp(`includes\\('${LANE_BRANCHES[lane].join(" ")}'\\)`));
                    assert.doesNotMatch(script, /PullRequestDiscovery/, "pull requests only ever preview");
                }
            }
        });
    });

    describe("the lanes", () => {
        it("each lane's namespace enforces the Pod Security level its pods need, and audits at restricted", () => {
            for (const lane of LANES) {
                const labels = spec(findOne(run, "Namespace", `jenkins-agents-${lane}`)).metadata.labels;
                assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], LANE_POD_SECURITY[lane], lane);
                assert.strictEqual(labels["pod-security.kubernetes.io/audit"], "restricted", lane);
            }
            assert.strictEqual(LANE_POD_SECURITY.preview, "baseline", "previews build nothing: no privilege");
            assert.strictEqual(LANE_POD_SECURITY.fork, "baseline", "forks build nothing: no privilege");
            const controller = spec(findOne(run, "Namespace", "jenkins")).metadata.labels;
            assert.strictEqual(controller["pod-security.kubernetes.io/enforce"], "restricted");
        });

        it("agent pods accept no inbound traffic", () => {
            for (const lane of LANES) {
                const policy = spec(named(run, `lanes-${lane}-deny-ingress`));
                assert.strictEqual(policy.metadata.namespace, `jenkins-agents-${lane}`);
                assert.deepStrictEqual(policy.spec, { podSelector: {}, policyTypes: ["Ingress"] });
            }
        });

        it("agent pods dial only DNS, Jenkins' controller and addresses outside the pod network, never a metadata service", () => {
            for (const lane of LANES) {
                const policy = spec(named(run, `lanes-${lane}-egress`));
                assert.strictEqual(policy.metadata.namespace, `jenkins-agents-${lane}`);
                assert.deepStrictEqual(policy.spec.podSelector, {}, "every pod of the lane");
                assert.deepStrictEqual(policy.spec.policyTypes, ["Egress"]);
                const [dns, jenkins, world] = policy.spec.egress;
                assert.deepStrictEqual(dns, { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] });
                assert.deepStrictEqual(jenkins.to, [{
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "jenkins" } },
                    podSelector: { matchLabels: { "app.kubernetes.io/component": "jenkins-controller", "app.kubernetes.io/instance": "jenkins" } },
                }]);
                assert.deepStrictEqual(jenkins.ports.map((p: any) => p.port), [8080, 50000]);
                assert.deepStrictEqual(world, { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.244.0.0/16", "169.254.169.254/32"] } }] });
                assert.strictEqual(policy.spec.egress.length, 3);
            }
        });

        it("every lane namespace but production's is marked as running code that is not master's", () => {
            for (const lane of LANES) {
                const labels = spec(findOne(run, "Namespace", `jenkins-agents-${lane}`)).metadata.labels;
                assert.strictEqual(labels["xpto.io/pipeline-lane"], lane);
                assert.strictEqual(labels["xpto.io/untrusted-code"], lane === "production" ? undefined : "true", lane);
            }
        });

        it("each lane's pods run as its own ServiceAccount, the one the agent pod files name", () => {
            const pod = (file: string) => (yaml.load(fs.readFileSync(path.join(ROOT, "ci", file), "utf8")) as any).spec.serviceAccountName;
            for (const lane of LANES) {
                const account = spec(named(run, `lanes-${lane}-agent`));
                assert.strictEqual(account.metadata.namespace, `jenkins-agents-${lane}`);
                assert.strictEqual(account.metadata.name, pod((DEPLOY_LANES as readonly string[]).includes(lane) ? "deploy-pod.yaml" : "preview-pod.yaml"), lane);
            }
        });

        it("each lane's Secret holds its own credentials only: previews get no registry token, forks no Secret, nobody another lane's", () => {
            const data = (lane: string) => {
                const secret = named(run, `lanes-${lane}-credentials`);
                assert.ok(isSecretValue(secret.inputs.stringData), `${lane}: a Pulumi secret`);
                assert.strictEqual(spec(secret).metadata.name, "pipeline-credentials");
                return spec(secret).stringData;
            };
            assert.deepStrictEqual(data("production"), {
                PULUMI_BACKEND_URL: "https://api.pulumi.com",
                PULUMI_ACCESS_TOKEN: SENTINELS.secret("pipelineProductionPulumiToken"),
                REGISTRY_SERVER: "docker.io",
                REGISTRY_USERNAME: "xptodeploy",
                REGISTRY_TOKEN: SENTINELS.secret("pipelineProductionRegistryToken"),
            });
            assert.deepStrictEqual(data("develop"), {
                PULUMI_BACKEND_URL: "https://api.pulumi.com",
                PULUMI_ACCESS_TOKEN: SENTINELS.secret("pipelineDevelopPulumiToken"),
                REGISTRY_SERVER: "docker.io",
                REGISTRY_USERNAME: "xptodevelop",
                REGISTRY_TOKEN: SENTINELS.secret("pipelineDevelopRegistryToken"),
            });
            assert.deepStrictEqual(data("preview"), {
                PULUMI_BACKEND_URL: "https://api.pulumi.com",
                PULUMI_ACCESS_TOKEN: SENTINELS.secret("pipelinePreviewPulumiToken"),
            });
            assert.deepStrictEqual(run.resources.filter((r) => r.name === "lanes-fork-credentials"), []);
        });

        it("with an S3 backend: each lane its keys and one passphrase: deploying lanes their stack's, previews develop's", async () => {
            const s3 = await runProgram("jenkins", { config: withSettings({ pipelineBackendUrl: "s3://xpto-state?region=eu-west-1" }) });
            const data = (lane: string) => spec(named(s3, `lanes-${lane}-credentials`)).stringData;
            assert.strictEqual(data("production").PULUMI_CONFIG_PASSPHRASE, SENTINELS.secret("pipelineProductionPassphrase"));
            assert.strictEqual(data("production").AWS_ACCESS_KEY_ID, SENTINELS.secret("pipelineProductionS3AccessKeyId"));
            assert.strictEqual(data("develop").PULUMI_CONFIG_PASSPHRASE, SENTINELS.secret("pipelineDevelopPassphrase"));
            assert.ok(!Object.values(data("develop")).includes(SENTINELS.secret("pipelineProductionPassphrase")));
            assert.deepStrictEqual(Object.keys(data("preview")).sort(), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]);
            assert.strictEqual(data("preview").PULUMI_CONFIG_PASSPHRASE, SENTINELS.secret("pipelineDevelopPassphrase"),
                "production's passphrase never leaves its lane");
            assert.ok(!("PULUMI_ACCESS_TOKEN" in data("production")));
        });

        it("a lane's launcher may manage pods in that lane's namespace only, with the chart's own agent rules", () => {
            for (const lane of LAUNCHED_LANES) {
                const account = spec(named(run, `lanes-${lane}-launcher`, ":ServiceAccount"));
                assert.deepStrictEqual([account.metadata.name, account.metadata.namespace], [`launcher-${lane}`, "jenkins"]);
                const token = spec(named(run, `lanes-${lane}-launcher-token`));
                assert.strictEqual(token.type, "kubernetes.io/service-account-token");
                assert.strictEqual(token.metadata.annotations["kubernetes.io/service-account.name"], `launcher-${lane}`);
                const role = spec(named(run, `lanes-${lane}-launcher`, ":Role"));
                assert.strictEqual(role.metadata.namespace, `jenkins-agents-${lane}`);
                assert.deepStrictEqual(role.rules, CHART_FACTS.scheduleAgentsRules);
                const binding = spec(named(run, `lanes-${lane}-launcher`, ":RoleBinding"));
                assert.strictEqual(binding.metadata.namespace, `jenkins-agents-${lane}`);
                assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: `launcher-${lane}`, namespace: "jenkins" }]);
            }
            const clusterWide = kubernetesObjects(run).map(spec).filter((o) => o.kind.startsWith("Cluster"));
            assert.deepStrictEqual(clusterWide, [], "no cluster-wide rights");
        });
    });

    describe("GitHub's webhook", () => {
        it("is accepted only when signed (SHA-256) with a random secret that reaches Jenkins through a mounted Secret", () => {
            assert.deepStrictEqual(casc(run, "github-webhook"), {
                unclassified: { gitHubPluginConfig: { hookSecretConfigs: [{ credentialsId: "github-webhook", signatureAlgorithm: "SHA256" }] } },
            });
            const credential = credentials(run).find((c) => c.id === "github-webhook");
            assert.strictEqual(credential.secret, CHART_FACTS.existingSecretReference("jenkins-github-webhook", "secret"));
            const secret = findOne(run, "Secret", "jenkins-github-webhook");
            assert.ok(isSecretValue(secret.inputs.stringData) || isSecretValue((secret.inputs.stringData as any).secret),
                "the value is a Pulumi secret");
            assert.strictEqual(run.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword" &&
                r.name === "jenkins-webhook-secret").length, 1, "a random secret, made by Pulumi");
        });
    });

    describe("the lane pod policy", () => {
        it("denies, in every namespace labelled with a lane, any pod its rules refuse: created or changed", () => {
            const policy = spec(findOne(run, "ValidatingAdmissionPolicy"));
            assert.strictEqual(policy.metadata.name, "xpto-pipeline-lane-pods");
            assert.strictEqual(policy.spec.failurePolicy, "Fail", "an unavailable check refuses the pod");
            assert.deepStrictEqual(policy.spec.matchConstraints.namespaceSelector, { matchExpressions: [{ key: "xpto.io/pipeline-lane", operator: "Exists" }] });
            assert.deepStrictEqual(policy.spec.matchConstraints.resourceRules[0].resources, ["pods", "pods/ephemeralcontainers"]);
            assert.deepStrictEqual(policy.spec.matchConstraints.resourceRules[0].operations, ["CREATE", "UPDATE"]);
            assert.deepStrictEqual(policy.spec.validations.length, lanePodRules().rules.length);
            const binding = spec(findOne(run, "ValidatingAdmissionPolicyBinding"));
            assert.deepStrictEqual(binding.spec, { policyName: policy.metadata.name, validationActions: ["Deny"] });
            for (const lane of LANES) {
                assert.ok(spec(findOne(run, "Namespace", `jenkins-agents-${lane}`)).metadata.labels["xpto.io/pipeline-lane"], lane);
            }
        });

        it("allows the unconfined builder only by the pinned image and only in a deploying lane", () => {
            const { variables } = lanePodRules();
            assert.match(variables[0].expression, new RegExp(`c\\.image == '${AGENT_IMAGES.buildkit.replace(/[.]/g, "\\.")}'`));
            assert.match(variables[0].expression, /in \['production', 'develop'\]/);
        });

        it("Jenkins' release waits for it: no agent pod can start before it is in force", () => {
            const release = findOne(run, "Release");
            assert.ok(release.options.dependsOn.some((urn) => urn.includes("ValidatingAdmissionPolicyBinding")), release.options.dependsOn.join("\n"));
        });
    });

    describe("the controller", () => {
        it("meets Pod Security restricted, as the chart renders it with these values", () => {
            const v = values(run).controller;
            // The chart's default pod context (values.yaml runAsUser/fsGroup, statefulset L84-108) and our container contexts.
            const pod = {
                securityContext: { runAsUser: 1000, fsGroup: 1000, runAsNonRoot: true },
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
        });

        it("a changed GitHub token rolls the controller: a checksum of its Secret is a pod annotation", async () => {
            const annotation = (r: ProgramRun) => values(r).controller.podAnnotations["xpto.io/credentials-checksum"];
            const expected = createHash("sha256").update(["xpto-ci", SENTINELS.secret("jenkinsGitHubToken")].join("\0")).digest("hex");
            assert.strictEqual(annotation(run), expected);
            const rotated = await runProgram("jenkins", { secrets: { [`${PROJECT}:jenkinsGitHubToken`]: "SENTINEL-rotated" } });
            assert.notStrictEqual(annotation(rotated), annotation(run));
        });

        it("has persistence, requests and limits, and a startup probe long enough for plugin installation", () => {
            const v = values(run);
            assert.strictEqual(v.persistence.enabled, true);
            assert.strictEqual(v.persistence.size, "8Gi");
            assert.ok(v.controller.resources.requests.cpu && v.controller.resources.requests.memory);
            assert.ok(v.controller.resources.limits.cpu && v.controller.resources.limits.memory);
            const startup = v.controller.probes.startupProbe;
            assert.ok(startup.failureThreshold * startup.periodSeconds >= 600, "at least 10 minutes to start");
        });

        it("is reached through a ClusterIP Service unless config says otherwise", () => {
            assert.strictEqual(values(run).controller.serviceType, "ClusterIP");
            assert.deepStrictEqual(values(run).controller.ingress, { enabled: false });
        });

        it("exposure is an explicit choice: a LoadBalancer, or an Ingress on a host, with keys the chart has", async () => {
            const config = withSettings({ jenkinsServiceType: "LoadBalancer", jenkinsIngressHost: "jenkins.xpto.example" });
            const v = values(await runProgram("jenkins", { config }));
            assert.strictEqual(v.controller.serviceType, "LoadBalancer");
            assert.deepStrictEqual(v.controller.ingress, { enabled: true, hostName: "jenkins.xpto.example", pathType: "Prefix", path: "/" });
            for (const key of Object.keys(v.controller.ingress)) {
                assert.ok((CHART_FACTS.ingressKeys as readonly string[]).includes(key), `controller.ingress.${key} is a chart key`);
            }
        });

        it("exports its namespace, URL and the admin and webhook Secrets' names, never a secret", async () => {
            assert.deepStrictEqual(Object.keys(run.outputs).sort(), ["jenkinsAdminSecretName", "jenkinsNamespace", "jenkinsUrl", "jenkinsWebhookSecretName"]);
            assert.strictEqual(await valueOf(run.outputs.jenkinsWebhookSecretName), "jenkins-github-webhook");
            assert.strictEqual(await valueOf(run.outputs.jenkinsNamespace), "jenkins");
            assert.strictEqual(await valueOf(run.outputs.jenkinsUrl), "http://jenkins.jenkins.svc.cluster.local:8080");
            assert.strictEqual(await valueOf(run.outputs.jenkinsAdminSecretName), "jenkins-admin");
        });
    });
});
