import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT } from "../infra/config";
import { CREDENTIAL_IDS, JENKINS_CHART, JENKINS_PLUGINS } from "../infra/jenkins";
import {
    findOne, kubernetesObjects, ProgramRun, ROOT, runProgram, SENTINELS, stackFileConfig, valueOf,
} from "./harness";
import { isSecretValue, plain, spec, validateKubernetesObject } from "./kubernetesSchema";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read the chart's loosely typed values */

const JENKINSFILE = fs.readFileSync(path.join(ROOT, "Jenkinsfile"), "utf8");

function values(run: ProgramRun): any {
    return plain(findOne(run, "Release").inputs.values);
}

function casc(run: ProgramRun, script: string): any {
    return yaml.load(values(run).controller.JCasC.configScripts[script]);
}

/** Every string in a tree, for searching. */
function strings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (typeof value !== "object" || value === null) return [];
    return Object.values(value).flatMap(strings);
}

/** Turns the Jenkinsfile's exclusion glob into a matcher, the way `pulumi up --exclude` reads `**`. */
function jenkinsfileExclusion(stack: string): RegExp {
    const match = /"urn:pulumi:\$\{stack\}::([^"]+)"/.exec(JENKINSFILE);
    assert.ok(match, "the Jenkinsfile names the URN it excludes");
    const glob = `urn:pulumi:${stack}::${match[1]}`;
    return new RegExp(`^${glob.split("**").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

describe("Jenkins on the stack that owns it (production)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("production");
    });

    it("is a Helm release of the pinned official chart, in its own namespace, with a timeout", () => {
        const release = spec(findOne(run, "Release"));
        assert.strictEqual(release.chart, "jenkins");
        assert.deepStrictEqual(release.repositoryOpts, { repo: "https://charts.jenkins.io" });
        assert.match(release.version, /^\d+\.\d+\.\d+$/, "an exact chart version");
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

    it("the admin password is random, in a Secret the chart uses as existingSecret", () => {
        const admin = values(run).controller.admin;
        const secret = spec(findOne(run, "Secret", admin.existingSecret));
        assert.strictEqual(admin.createSecret, false);
        assert.strictEqual(secret.metadata.namespace, "jenkins");
        assert.strictEqual(secret.stringData[admin.passwordKey], SENTINELS.password("jenkins-admin-password"));
        assert.strictEqual(secret.stringData[admin.userKey], "admin");
        assert.ok(isSecretValue(findOne(run, "Secret", admin.existingSecret).inputs.stringData));
    });

    it("pipeline credentials come from secret config into a Secret the chart mounts", () => {
        const controller = values(run).controller;
        const secretName = "jenkins-pipeline-credentials";
        const secret = findOne(run, "Secret", secretName);
        assert.ok(isSecretValue(secret.inputs.stringData));
        const data = spec(secret).stringData;
        assert.strictEqual(data["registry-token"], SENTINELS.registryToken);
        assert.strictEqual(data["registry-username"], stackFileConfig("production")[`${PROJECT}:registryUsername`]);
        assert.strictEqual(data["pulumi-access-token"], SENTINELS.pulumiAccessToken);
        assert.strictEqual(data["pulumi-config-passphrase"], SENTINELS.pulumiConfigPassphrase);
        assert.strictEqual(data["pulumi-backend-url"], "https://api.pulumi.com");
        const mounted = controller.additionalExistingSecrets as { name: string; keyName: string }[];
        assert.deepStrictEqual(mounted.map((m) => m.keyName).sort(), Object.keys(data).sort());
        assert.ok(mounted.every((m) => m.name === secretName));
    });

    it("the JCasC documents parse as YAML and refer only to mounted secret keys", () => {
        const mounted = new Set((values(run).controller.additionalExistingSecrets as { name: string; keyName: string }[])
            .map((m) => `${m.name}-${m.keyName}`));
        const scripts = values(run).controller.JCasC.configScripts as Record<string, string>;
        assert.ok(Object.keys(scripts).length >= 2);
        for (const [name, text] of Object.entries(scripts)) {
            assert.doesNotThrow(() => yaml.load(text), name);
            for (const [, reference] of text.matchAll(/\$\{([^}]+)\}/g)) {
                assert.ok(mounted.has(reference), `${name} refers to \${${reference}}, which nothing mounts`);
            }
        }
    });

    it("JCasC defines the credentials with stable IDs", () => {
        const credentials = casc(run, "pipeline-credentials").credentials.system.domainCredentials[0].credentials;
        const ids = credentials.map((c: any) => Object.values(c)[0] as any).map((c: any) => c.id).sort();
        assert.deepStrictEqual(ids, [CREDENTIAL_IDS.registry, CREDENTIAL_IDS.pulumiAccessToken,
            CREDENTIAL_IDS.pulumiBackendUrl, CREDENTIAL_IDS.pulumiConfigPassphrase].sort());
    });

    it("every credential ID the Jenkinsfile uses exists in JCasC", () => {
        const used = [...JENKINSFILE.matchAll(/credentialsId:\s*'([^']+)'/g)].map((m) => m[1]);
        assert.ok(used.length >= 4, "the Jenkinsfile binds its credentials by ID");
        const credentials = casc(run, "pipeline-credentials").credentials.system.domainCredentials[0].credentials;
        const defined = new Set(credentials.map((c: any) => (Object.values(c)[0] as any).id));
        for (const id of used) assert.ok(defined.has(id), `the Jenkinsfile uses '${id}', which JCasC does not define`);
    });

    it("JCasC defines the multibranch job: this repository, the deploy branches and pull requests", () => {
        const [job] = casc(run, "users-api-job").jobs;
        const script: string = job.script;
        assert.match(script, /^multibranchPipelineJob\('xpto-users-api'\)/);
        assert.match(script, /repositoryUrl\('https:\/\/github\.com\/xpto\/users-api'\)/);
        assert.match(script, /repoOwner\('xpto'\)/);
        assert.match(script, /repository\('users-api'\)/);
        assert.match(script, /gitHubBranchDiscovery/);
        assert.match(script, /gitHubPullRequestDiscovery/);
        assert.match(script, /includes\('master develop desenvolvimento PR-\*'\)/);
        assert.match(script, /scriptPath\('Jenkinsfile'\)/);
        assert.match(script, /periodicFolderTrigger \{ interval\('\d+m'\) \}/);
        assert.match(script, /discardOldItems \{ daysToKeep\(\d+\); numToKeep\(\d+\) \}/);
        assert.doesNotMatch(script, /credentialsId/, "a public repository needs no checkout credentials");
    });

    it("every plugin carries an exact version, including what the job and the Jenkinsfile need", () => {
        const plugins = values(run).controller.installPlugins as string[];
        assert.deepStrictEqual(plugins, [...JENKINS_PLUGINS]);
        for (const plugin of plugins) assert.match(plugin, /^[a-z0-9-]+:\d[\w.]*$/, plugin);
        const names = plugins.map((p) => p.split(":")[0]);
        for (const needed of ["kubernetes", "workflow-aggregator", "git", "configuration-as-code", "job-dsl",
            "credentials-binding", "lockable-resources", "timestamper", "junit", "github-branch-source"]) {
            assert.ok(names.includes(needed), `${needed} is installed`);
        }
        assert.strictEqual(values(run).controller.installLatestPlugins, false);
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

    it("the agent ServiceAccount the Jenkinsfile's pod runs as lives in the Jenkins namespace", () => {
        const account = spec(findOne(run, "ServiceAccount"));
        assert.deepStrictEqual([account.metadata.name, account.metadata.namespace], ["jenkins-agent", "jenkins"]);
        assert.deepStrictEqual(values(run).serviceAccountAgent, { create: false, name: "jenkins-agent" });
        const pod = yaml.load(fs.readFileSync(path.join(ROOT, "ci", "agent-pod.yaml"), "utf8")) as any;
        assert.strictEqual(pod.spec.serviceAccountName, account.metadata.name);
    });

    it("nothing grants the agent a wildcard or cluster-wide write", () => {
        for (const object of kubernetesObjects(run).map(spec)) {
            for (const rule of object.rules ?? []) {
                for (const field of ["apiGroups", "resources", "verbs", "resourceNames"]) {
                    assert.ok(!(rule[field] ?? []).includes("*"), `${object.kind}/${object.metadata.name} ${field}`);
                }
                if (object.kind === "ClusterRole") {
                    assert.deepStrictEqual(rule.resources, ["namespaces"]);
                    assert.deepStrictEqual(rule.resourceNames, ["production"], "only its own app namespace");
                    assert.ok(rule.verbs.every((v: string) => ["get", "patch"].includes(v)));
                }
            }
            if (object.kind === "ClusterRoleBinding" || object.kind === "RoleBinding") {
                assert.notStrictEqual(object.roleRef.name, "cluster-admin");
            }
        }
        assert.deepStrictEqual(values(run).rbac, { create: true, readSecrets: false });
    });

    it("every Kubernetes object of the component validates against the schema", () => {
        for (const name of ["jenkins-admin", "jenkins-pipeline-credentials"]) validateKubernetesObject(findOne(run, "Secret", name));
        validateKubernetesObject(findOne(run, "ServiceAccount"));
        validateKubernetesObject(findOne(run, "Namespace", "jenkins"));
    });

    it("exports its namespace, URL and the admin Secret's name, never the password", async () => {
        assert.strictEqual(await valueOf(run.outputs.jenkinsNamespace), "jenkins");
        assert.strictEqual(await valueOf(run.outputs.jenkinsUrl), "http://jenkins.jenkins.svc.cluster.local:8080");
        assert.strictEqual(await valueOf(run.outputs.jenkinsAdminSecretName), "jenkins-admin");
    });

    it("the Jenkinsfile's exclusion covers every Jenkins resource and nothing of the app", () => {
        const exclusion = jenkinsfileExclusion("production");
        assert.ok(run.urns.length === run.resources.length, "every resource has its URN");
        // urn:pulumi:<stack>::<project>::<parent type>$<type>::<name> -> Kind/name
        const excluded = run.urns.filter((urn) => exclusion.test(urn))
            .map((urn) => `${urn.split("::")[2].split("$").pop()?.split(":").pop()}/${urn.split("::")[3]}`);
        assert.deepStrictEqual(excluded.sort(), [
            "Jenkins/jenkins", "Namespace/jenkins-namespace", "RandomPassword/jenkins-admin-password", "Release/jenkins",
            "Secret/jenkins-admin", "Secret/jenkins-pipeline-credentials", "ServiceAccount/jenkins-agent",
        ]);
    });
});

describe("Jenkins configuration choices", () => {
    it("develop declares no Jenkins at all", async () => {
        const run = await runProgram("develop");
        assert.ok(!run.resources.some((r) => r.type.includes("helm.sh") || r.name.startsWith("jenkins")));
        assert.strictEqual(run.outputs.jenkinsUrl, undefined);
    });

    it("a private repository gets checkout credentials from secret config", async () => {
        const config = { ...stackFileConfig("production"), [`${PROJECT}:jenkinsGitUsername`]: "xpto-bot" };
        const run = await runProgram("production", { config, secrets: { [`${PROJECT}:jenkinsGitToken`]: SENTINELS.gitToken } });
        assert.match(casc(run, "users-api-job").jobs[0].script, /credentialsId\('git-credentials'\)/);
        const credentials = casc(run, "pipeline-credentials").credentials.system.domainCredentials[0].credentials;
        assert.ok(credentials.some((c: any) => c.usernamePassword?.id === CREDENTIAL_IDS.git));
        assert.strictEqual(spec(findOne(run, "Secret", "jenkins-pipeline-credentials")).stringData["git-token"], SENTINELS.gitToken);
        assert.ok(!strings(values(run)).some((s) => s.includes(SENTINELS.gitToken)));
    });

    it("exposure is an explicit choice: a LoadBalancer, or an Ingress on a host", async () => {
        const config = {
            ...stackFileConfig("production"),
            [`${PROJECT}:jenkinsServiceType`]: "LoadBalancer",
            [`${PROJECT}:jenkinsIngressHost`]: "jenkins.xpto.example",
        };
        const v = values(await runProgram("production", { config }));
        assert.strictEqual(v.controller.serviceType, "LoadBalancer");
        assert.strictEqual(v.controller.ingress.enabled, true);
        assert.strictEqual(v.controller.ingress.hostName, "jenkins.xpto.example");
    });
});

