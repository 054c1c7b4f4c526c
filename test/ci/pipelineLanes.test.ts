// The pipeline's lanes as the jenkins stack declares them (PipelineLanes).
import * as assert from "assert";
import { agentPod } from "../../infra/ci/agentPods";
import { BUILDER_CONTAINER } from "../../infra/ci/lanePodPolicy";
import { LANE_POD_SECURITY } from "../../infra/ci/pipelineLanes";
import {
    AGENT_POD_FILES, agentNamespace, agentPodFileOf, CHART_CLOUD_LANE, LANE_CREDENTIALS_SECRET, LANE_LABEL, LANES,
    LAUNCHED_LANES, launcherOf, launcherTokenSecretOf, UNTRUSTED_LABEL,
} from "../../infra/pipeline";
import { CHART_FACTS } from "../../infra/upstream";
import { committedRun, findOne, kubernetesObjects, type ProgramRun, runProgram, SENTINELS, withSettings } from "../harness";
import { isSecretValue, spec } from "../kubernetesSchema";
import { named } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- declared objects are read loosely */

describe("the lanes", () => {
    let run: ProgramRun;
    let jenkins: string;
    const laneNamespace = (lane: (typeof LANES)[number]) => agentNamespace(jenkins, lane);
    before(async () => {
        run = await committedRun("jenkins");
        jenkins = spec(named(run, "jenkins-namespace")).metadata.name;
    });

    it("each lane's namespace enforces the Pod Security level its pods need, and audits at restricted", () => {
        for (const lane of LANES) {
            const labels = spec(findOne(run, "Namespace", laneNamespace(lane))).metadata.labels;
            assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], LANE_POD_SECURITY[lane], lane);
            assert.strictEqual(labels["pod-security.kubernetes.io/audit"], "restricted", lane);
            const buildsImage = agentPod(agentPodFileOf(lane) === AGENT_POD_FILES.deploy ? "deploy" : "preview").spec.containers
                .some((c) => c.name === BUILDER_CONTAINER);
            if (!buildsImage) assert.notStrictEqual(LANE_POD_SECURITY[lane], "privileged", `${lane} builds nothing: no privilege`);
        }
    });

    it("agent pods accept no inbound traffic", () => {
        for (const lane of LANES) {
            const policy = spec(named(run, `lanes-${lane}-deny-ingress`));
            assert.strictEqual(policy.metadata.namespace, laneNamespace(lane));
            assert.deepStrictEqual(policy.spec, { podSelector: {}, policyTypes: ["Ingress"] });
        }
    });

    it("agent pods dial only DNS, Jenkins' controller and addresses outside the pod network, never a metadata service", () => {
        for (const lane of LANES) {
            const policy = spec(named(run, `lanes-${lane}-egress`));
            assert.strictEqual(policy.metadata.namespace, laneNamespace(lane));
            assert.deepStrictEqual(policy.spec.podSelector, {}, "every pod of the lane");
            assert.deepStrictEqual(policy.spec.policyTypes, ["Egress"]);
            const [dns, controller, world] = policy.spec.egress;
            assert.deepStrictEqual(dns, { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] });
            assert.deepStrictEqual(controller.to, [{
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": jenkins } },
                podSelector: { matchLabels: { "app.kubernetes.io/component": "jenkins-controller", "app.kubernetes.io/instance": "jenkins" } },
            }]);
            assert.deepStrictEqual(controller.ports.map((p: any) => p.port), [8080, 50000]);
            assert.deepStrictEqual(world, { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.244.0.0/16", "169.254.169.254/32"] } }] });
            assert.strictEqual(policy.spec.egress.length, 3);
        }
    });

    it("every lane namespace but production's is marked as running code that is not master's", () => {
        for (const lane of LANES) {
            const labels = spec(findOne(run, "Namespace", laneNamespace(lane))).metadata.labels;
            assert.strictEqual(labels[LANE_LABEL], lane);
            assert.strictEqual(labels[UNTRUSTED_LABEL], lane === "production" ? undefined : "true", lane);
        }
    });

    it("each lane's pods run as its own ServiceAccount, the one the agent pod files name", () => {
        for (const lane of LANES) {
            const account = spec(named(run, `lanes-${lane}-agent`));
            assert.strictEqual(account.metadata.namespace, laneNamespace(lane));
            const kind = agentPodFileOf(lane) === AGENT_POD_FILES.deploy ? "deploy" : "preview";
            assert.strictEqual(account.metadata.name, agentPod(kind).spec.serviceAccountName, lane);
        }
    });

    it("each lane's Secret holds its own credentials only: previews get no registry token, forks no Secret, nobody another lane's", () => {
        const data = (lane: string) => {
            const secret = named(run, `lanes-${lane}-credentials`);
            assert.ok(isSecretValue(secret.inputs.stringData), `${lane}: a Pulumi secret`);
            assert.strictEqual(spec(secret).metadata.name, LANE_CREDENTIALS_SECRET);
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

    it("the chart's cloud launches into a namespace that holds nothing a build could take", () => {
        assert.deepStrictEqual(kubernetesObjects(run).map(spec).filter((o) => o.metadata.namespace === laneNamespace(CHART_CLOUD_LANE))
            .map((o) => o.kind).sort(), ["NetworkPolicy", "NetworkPolicy", "ServiceAccount"]);
    });

    it("with an S3 backend: each lane its keys and one passphrase: deploying lanes their stack's, previews develop's", async () => {
        const s3 = await runProgram("jenkins", { config: withSettings("jenkins", { pipelineBackendUrl: "s3://xpto-state?region=eu-west-1" }) });
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
            assert.deepStrictEqual([account.metadata.name, account.metadata.namespace], [launcherOf(lane), jenkins]);
            assert.strictEqual(account.automountServiceAccountToken, false);
            const token = spec(named(run, `lanes-${lane}-launcher-token`));
            assert.strictEqual(token.type, "kubernetes.io/service-account-token");
            assert.deepStrictEqual([token.metadata.name, token.metadata.namespace], [launcherTokenSecretOf(lane), jenkins]);
            assert.strictEqual(token.metadata.annotations["kubernetes.io/service-account.name"], launcherOf(lane));
            const role = spec(named(run, `lanes-${lane}-launcher`, ":Role"));
            assert.strictEqual(role.metadata.namespace, laneNamespace(lane));
            assert.deepStrictEqual(role.rules, CHART_FACTS.scheduleAgentsRules);
            const binding = spec(named(run, `lanes-${lane}-launcher`, ":RoleBinding"));
            assert.strictEqual(binding.metadata.namespace, laneNamespace(lane));
            assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: launcherOf(lane), namespace: jenkins }]);
        }
        const clusterWide = kubernetesObjects(run).map(spec).filter((o) => o.kind.startsWith("Cluster"));
        assert.deepStrictEqual(clusterWide, [], "no cluster-wide rights");
    });
});
