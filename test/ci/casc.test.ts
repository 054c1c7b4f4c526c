// The JCasC documents and the Job DSL, built without a program run.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { cloudsCasc } from "../../infra/ci/casc/clouds";
import { credentialsCasc } from "../../infra/ci/casc/credentials";
import { jobsCasc, laneJobDsl } from "../../infra/ci/casc/jobs";
import { webhookCasc } from "../../infra/ci/casc/webhook";
import { cascDocuments, jenkinsValues, mountedKeys } from "../../infra/ci/helmValues";
import { controllerUrl, CREDENTIAL_IDS, JOB_NAMES, WEBHOOK_SECRET } from "../../infra/ci/names";
import { agentNamespace, DEPLOY_LANES, type DeployLane, LANE_BRANCHES, LANES, LAUNCHED_LANES } from "../../infra/pipeline";
import { CHART_FACTS, JENKINS_RELEASE_NAME } from "../../infra/upstream";
import { ROOT } from "../harness";
import { VALUES_ARGS } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- JCasC documents are read loosely */

const JENKINSFILE = fs.readFileSync(path.join(ROOT, "Jenkinsfile"), "utf8");
const NAMESPACE = "ci-space";
const REPOSITORY = "https://github.com/xpto/users-api";

function credentials(): any[] {
    return (yaml.load(credentialsCasc()) as any).credentials.system.domainCredentials[0].credentials
        .map((c: any) => ({ kind: Object.keys(c)[0], ...(Object.values(c)[0] as object) }));
}

function clouds(): any[] {
    return (yaml.load(cloudsCasc(NAMESPACE)) as any).jenkins.clouds.map((c: any) => c.kubernetes);
}

describe("configuration as code", () => {
    it("every document parses, and refers only to Secret keys the chart mounts", () => {
        const mounted = new Set(mountedKeys().map((m) => CHART_FACTS.existingSecretReference(m.name, m.keyName)));
        const referred = new Set<string>();
        for (const [name, text] of Object.entries(cascDocuments(NAMESPACE, REPOSITORY))) {
            assert.doesNotThrow(() => yaml.load(text), name);
            for (const [reference] of text.matchAll(/\$\{[^}]+\}/g)) {
                assert.ok(mounted.has(reference), `${name} refers to ${reference}, which nothing mounts`);
                referred.add(reference);
            }
        }
        assert.deepStrictEqual([...mounted].filter((m) => !referred.has(m)), [], "every mounted key is used");
    });

    it("GitHub is reached with a user and token, never anonymously; launcher tokens are for Jenkins itself only", () => {
        const byId = Object.fromEntries(credentials().map((c) => [c.id, c]));
        assert.strictEqual(byId[CREDENTIAL_IDS.gitHub].kind, "usernamePassword");
        assert.strictEqual(byId[CREDENTIAL_IDS.gitHub].scope, "GLOBAL");
        assert.ok(byId[CREDENTIAL_IDS.gitHub].username && byId[CREDENTIAL_IDS.gitHub].password);
        for (const lane of LAUNCHED_LANES) {
            const launcher = byId[CREDENTIAL_IDS.launcher(lane)];
            assert.strictEqual(launcher.kind, "string");
            assert.strictEqual(launcher.scope, "SYSTEM", "no build can bind a launcher's token");
        }
        assert.strictEqual(byId[CREDENTIAL_IDS.webhook].kind, "string");
        assert.strictEqual(byId[CREDENTIAL_IDS.webhook].scope, "SYSTEM", "no build can bind the webhook secret");
        assert.strictEqual(credentials().length, 2 + LAUNCHED_LANES.length);
    });

    it("webhook deliveries are checked (SHA-256) against the webhook credential, read from its mounted Secret", () => {
        assert.deepStrictEqual(yaml.load(webhookCasc()), {
            unclassified: { gitHubPluginConfig: { hookSecretConfigs: [{ credentialsId: CREDENTIAL_IDS.webhook, signatureAlgorithm: "SHA256" }] } },
        });
        const credential = credentials().find((c) => c.id === CREDENTIAL_IDS.webhook);
        assert.strictEqual(credential.secret, CHART_FACTS.existingSecretReference(WEBHOOK_SECRET.name, WEBHOOK_SECRET.keyName));
    });

    it("each lane with credentials has a cloud of its own: its namespace, its launcher's token, usable only where permitted", () => {
        assert.deepStrictEqual(clouds().map((c) => c.name), [...LAUNCHED_LANES]);
        for (const cloud of clouds()) {
            assert.strictEqual(cloud.namespace, agentNamespace(NAMESPACE, cloud.name));
            assert.strictEqual(cloud.credentialsId, CREDENTIAL_IDS.launcher(cloud.name));
            assert.strictEqual(cloud.usageRestricted, true);
            assert.ok(!("serverUrl" in cloud),
                "with a serverUrl and a token the plugin would not trust the in-cluster CA");
            assert.strictEqual(cloud.jenkinsUrl, `http://jenkins.${NAMESPACE}.svc.cluster.local:8080`);
            assert.strictEqual(cloud.jenkinsUrl, controllerUrl(NAMESPACE), "agents and operators reach one address");
            assert.strictEqual(cloud.jenkinsTunnel, `jenkins-agent.${NAMESPACE}.svc.cluster.local:50000`);
            assert.deepStrictEqual(cloud.podLabels, [{ key: CHART_FACTS.agentPodLabel(JENKINS_RELEASE_NAME), value: "true" }]);
        }
    });

    it("every cloud the Jenkinsfile can ask for exists", () => {
        const chartCloud = (jenkinsValues(VALUES_ARGS).controller as any)[CHART_FACTS.defaultCloudNameKey];
        const defined = [...clouds().map((c) => c.name), chartCloud];
        assert.match(JENKINSFILE, /cloud lane\(\)/);
        for (const lane of LANES) assert.ok(defined.includes(lane), `cloud ${lane}`);
    });

    it("one job per lane: each discovers only its own builds and, but for forks, may use only its own cloud", () => {
        const jobs = (yaml.load(jobsCasc(REPOSITORY)) as any).jobs.map((j: any) => j.script as string);
        assert.strictEqual(jobs.length, LANES.length);
        for (const lane of LANES) {
            const script = jobs.find((j: string) => j.startsWith(`multibranchPipelineJob('${JOB_NAMES[lane]}')`));
            assert.ok(script, `a job for ${lane}`);
            assert.strictEqual(script, laneJobDsl(lane, REPOSITORY));
            assert.match(script, /repoOwner\('xpto'\)/);
            assert.match(script, /repository\('users-api'\)/);
            assert.match(script, new RegExp(`credentialsId\\('${CREDENTIAL_IDS.gitHub}'\\)`));
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
                const deployBranches = DEPLOY_LANES.flatMap((l) => LANE_BRANCHES[l]);
                assert.match(script, /includes\('\*'\)/);
                assert.match(script, new RegExp(`excludes\\('${deployBranches.join(" ")}'\\)`));
                assert.match(script, /gitHubPullRequestDiscovery \{ strategyId\(1\) \}/);
            } else {
                assert.match(script, new RegExp(`includes\\('${LANE_BRANCHES[lane as DeployLane].join(" ")}'\\)`));
                assert.doesNotMatch(script, /PullRequestDiscovery/, "pull requests only ever preview");
            }
        }
    });

    it("a repository URL with .git names the same repository", () => {
        const script = laneJobDsl("develop", `${REPOSITORY}.git`);
        assert.match(script, /repoOwner\('xpto'\)/);
        assert.match(script, /repository\('users-api'\)/);
    });
});
