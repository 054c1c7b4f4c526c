// The jenkins stack as the program declares it: the Jenkins component and
// what it wires together (its Secrets, the Helm release, its outputs).
import * as assert from "assert";
import { createHash } from "crypto";
import * as yaml from "js-yaml";
import { ADMIN_SECRET, controllerUrl, GITHUB_SECRET, WEBHOOK_SECRET } from "../../infra/ci/names";
import { PROJECT } from "../../infra/config";
import { LANES, LAUNCHED_LANES } from "../../infra/pipeline";
import { JENKINS_CHART, JENKINS_RELEASE_NAME } from "../../infra/upstream";
import { committedRun, findOne, kubernetesObjects, type ProgramRun, runProgram, SENTINELS, stackFileConfig, valueOf } from "../harness";
import { isSecretValue, plain, spec, validateKubernetesObject } from "../kubernetesSchema";
import { named } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read the chart's loosely typed values */

function values(run: ProgramRun): any {
    return plain(findOne(run, "Release").inputs.values);
}

/** Every string in a tree, for searching. */
function strings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (typeof value !== "object" || value === null) return [];
    return Object.values(value).flatMap(strings);
}

describe("the jenkins stack", () => {
    let run: ProgramRun;
    let namespace: string;
    before(async () => {
        run = await committedRun("jenkins");
        namespace = spec(named(run, "jenkins-namespace")).metadata.name;
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

    it("Jenkins' namespace enforces Pod Security restricted", () => {
        const labels = spec(findOne(run, "Namespace", namespace)).metadata.labels;
        assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    describe("the Helm release", () => {
        it("is the official chart at the pinned version, in Jenkins' namespace, with a timeout", () => {
            const release = spec(findOne(run, "Release"));
            assert.strictEqual(release.chart, JENKINS_CHART.name);
            assert.deepStrictEqual(release.repositoryOpts, { repo: JENKINS_CHART.repository });
            assert.strictEqual(release.version, JENKINS_CHART.version);
            assert.strictEqual(release.namespace, namespace);
            assert.strictEqual(release.name, JENKINS_RELEASE_NAME);
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

        it("mounts only Secrets the stack declares, and the controller's clouds point into its own namespace", () => {
            const secretNames = new Set(kubernetesObjects(run).map(spec).filter((o) => o.kind === "Secret").map((o) => o.metadata.name));
            for (const { name } of values(run).controller.additionalExistingSecrets) {
                assert.ok(secretNames.has(name), `the mounted Secret ${name} is declared`);
            }
            const clouds = (yaml.load(values(run).controller.JCasC.configScripts["lane-clouds"]) as any).jenkins.clouds;
            for (const { kubernetes: cloud } of clouds) assert.strictEqual(cloud.jenkinsUrl, controllerUrl(namespace));
        });

        it("waits for the lane pod policy, the lanes' namespaces and launcher tokens: no agent pod can start before", () => {
            const dependsOn = findOne(run, "Release").options.dependsOn;
            assert.ok(dependsOn.some((urn) => urn.includes("ValidatingAdmissionPolicyBinding")), dependsOn.join("\n"));
            for (const lane of LANES) assert.ok(dependsOn.some((urn) => urn.endsWith(`::lanes-${lane}`)), lane);
            for (const lane of LAUNCHED_LANES) assert.ok(dependsOn.some((urn) => urn.endsWith(`::lanes-${lane}-launcher-token`)), lane);
        });
    });

    describe("admin login", () => {
        it("the chart projects our random admin Secret: createSecret stays true, existingSecret names it", () => {
            const admin = values(run).controller.admin;
            assert.strictEqual(admin.createSecret, true, "with createSecret false the chart projects no admin Secret at all");
            const secret = findOne(run, "Secret", admin.existingSecret);
            assert.strictEqual(spec(secret).metadata.namespace, namespace);
            assert.strictEqual(spec(secret).stringData[admin.passwordKey], SENTINELS.password("jenkins-admin-password"));
            assert.strictEqual(spec(secret).stringData[admin.userKey], "admin");
            assert.ok(isSecretValue(secret.inputs.stringData));
        });
    });

    it("the GitHub Secret holds the configured user and token, as a Pulumi secret", () => {
        const secret = findOne(run, "Secret", GITHUB_SECRET);
        assert.deepStrictEqual(spec(secret).stringData, {
            username: stackFileConfig("jenkins")[`${PROJECT}:jenkinsGitHubUsername`], token: SENTINELS.secret("jenkinsGitHubToken"),
        });
        assert.ok(isSecretValue(secret.inputs.stringData));
    });

    describe("GitHub's webhook", () => {
        it("is accepted only when signed (SHA-256) with a random secret that reaches Jenkins through a mounted Secret", () => {
            const casc = yaml.load(values(run).controller.JCasC.configScripts["github-webhook"]) as any;
            assert.strictEqual(casc.unclassified.gitHubPluginConfig.hookSecretConfigs[0].signatureAlgorithm, "SHA256");
            assert.ok(values(run).controller.additionalExistingSecrets.some((m: any) => m.name === WEBHOOK_SECRET.name && m.keyName === WEBHOOK_SECRET.keyName));
            const secret = findOne(run, "Secret", WEBHOOK_SECRET.name);
            assert.ok(isSecretValue(secret.inputs.stringData) || isSecretValue((secret.inputs.stringData as any)[WEBHOOK_SECRET.keyName]),
                "the value is a Pulumi secret");
            assert.strictEqual(spec(secret).stringData[WEBHOOK_SECRET.keyName], SENTINELS.password("jenkins-webhook-secret"),
                "a random secret, made by Pulumi");
        });
    });

    describe("the controller", () => {
        it("a changed GitHub token rolls the controller: a checksum of its Secret is a pod annotation", async () => {
            const annotation = (r: ProgramRun) => values(r).controller.podAnnotations["xpto.io/credentials-checksum"];
            const user = stackFileConfig("jenkins")[`${PROJECT}:jenkinsGitHubUsername`];
            const expected = createHash("sha256").update([user, SENTINELS.secret("jenkinsGitHubToken")].join("\0")).digest("hex");
            assert.strictEqual(annotation(run), expected);
            const rotated = await runProgram("jenkins", { secrets: { [`${PROJECT}:jenkinsGitHubToken`]: "SENTINEL-rotated" } });
            assert.notStrictEqual(annotation(rotated), annotation(run));
        });

        it("is reached through a ClusterIP Service unless config says otherwise", () => {
            assert.strictEqual(values(run).controller.serviceType, "ClusterIP");
            assert.deepStrictEqual(values(run).controller.ingress, { enabled: false });
        });

        it("exports its namespace, URL and the admin and webhook Secrets' names, never a secret", async () => {
            assert.deepStrictEqual(Object.keys(run.outputs).sort(), ["jenkinsAdminSecretName", "jenkinsNamespace", "jenkinsUrl", "jenkinsWebhookSecretName"]);
            assert.strictEqual(await valueOf(run.outputs.jenkinsNamespace), namespace);
            assert.strictEqual(await valueOf(run.outputs.jenkinsUrl), `http://${JENKINS_RELEASE_NAME}.${namespace}.svc.cluster.local:8080`);
            assert.strictEqual(await valueOf(run.outputs.jenkinsAdminSecretName), ADMIN_SECRET.name);
            assert.strictEqual(await valueOf(run.outputs.jenkinsWebhookSecretName), WEBHOOK_SECRET.name);
            for (const name of [ADMIN_SECRET.name, WEBHOOK_SECRET.name]) findOne(run, "Secret", name);
        });
    });
});
