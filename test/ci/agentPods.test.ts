import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Pod } from "kubernetes-models/v1";
import { AGENT_POD_KINDS, agentPodText } from "../../infra/ci/agentPods";
import { BUILDER_CONTAINER } from "../../infra/ci/lanePodPolicy";
import { LANE_POD_SECURITY } from "../../infra/ci/pipelineLanes";
import { AGENT_ACCOUNT, AGENT_POD_FILES, agentPodFileOf, LANE_CREDENTIALS_SECRET, LANES } from "../../infra/pipeline";
import { AGENT_IMAGES } from "../../infra/upstream";
import { ROOT } from "../harness";
import { podSecurityViolations, type Level } from "../podSecurity";

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML documents */

const committed = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** The strictest level among the lanes that run a pod file: the pod must meet it. */
const LEVEL_ORDER: Level[] = ["restricted", "baseline", "privileged"];
const levelOf = (file: string) => LANES.filter((lane) => agentPodFileOf(lane) === file).map((lane) => LANE_POD_SECURITY[lane])
    .sort((a, b) => LEVEL_ORDER.indexOf(a) - LEVEL_ORDER.indexOf(b))[0];

const PODS = {
    "deploy-pod.yaml": { pod: yaml.load(committed(AGENT_POD_FILES.deploy)) as any, level: levelOf(AGENT_POD_FILES.deploy) },
    "preview-pod.yaml": { pod: yaml.load(committed(AGENT_POD_FILES.preview)) as any, level: levelOf(AGENT_POD_FILES.preview) },
} as const;

describe("the agent pod files", () => {
    it("are what infra/ci/agentPods.ts builds (npx tsx ci/generate-pods.ts writes them)", () => {
        for (const kind of AGENT_POD_KINDS) {
            assert.strictEqual(committed(AGENT_POD_FILES[kind]), agentPodText(kind), `${AGENT_POD_FILES[kind]} was edited by hand`);
        }
    });
});

const IMAGE_OF: Record<string, string> = {
    pulumi: AGENT_IMAGES.pulumi, python: AGENT_IMAGES.python, mongo: AGENT_IMAGES.mongo,
    groovy: AGENT_IMAGES.groovyLint, [BUILDER_CONTAINER]: AGENT_IMAGES.buildkit,
};

const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

for (const [file, { pod, level }] of Object.entries(PODS)) {
    const containers = pod.spec.containers as any[];
    const byName = (name: string) => containers.find((c) => c.name === name);

    describe(`the Jenkins agent pod ci/${file}`, () => {
        it("validates against the Kubernetes schema", () => {
            assert.doesNotThrow(() => new Pod(pod).validate());
        });

        it("runs each container on the image pinned in the upstream facts table", () => {
            for (const container of containers) {
                assert.strictEqual(container.image, IMAGE_OF[container.name], container.name);
            }
        });

        it("has the Node the Pulumi SDK declares, a CLI new enough for --exclude, and the API's Python", () => {
            const sdk = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8"));
            const [, node, cli] = /^pulumi\/pulumi-nodejs-(\d+):3\.(\d+)\.\d+$/.exec(byName("pulumi").image) ?? [];
            assert.ok(Number(node) >= major(sdk.engines.node), `Node ${node} satisfies @pulumi/pulumi's ${sdk.engines.node}`);
            const project = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
            assert.strictEqual(major(project.engines.node), major(sdk.engines.node), "package.json asks for the Node the SDK needs");
            assert.ok(Number(cli) >= 160, "pulumi up --exclude needs a 3.160+ CLI");
            const dockerfile = fs.readFileSync(path.join(ROOT, "app", "Dockerfile"), "utf8");
            const [, python] = /^ARG BASE_IMAGE=python:(\d+\.\d+)/m.exec(dockerfile) ?? [];
            assert.ok(byName("python").image.startsWith(`python:${python}.`), `the agent's Python is the image's ${python}`);
        });

        it("gives the API tests the agent's mongo:4.2 through TEST_MONGO_URI", () => {
            assert.ok(byName("python").env.some((e: any) => e.name === "TEST_MONGO_URI" && e.value.startsWith("mongodb://127.0.0.1:27017")));
        });

        it("sets requests and limits on every container", () => {
            for (const container of containers) {
                for (const kind of ["requests", "limits"]) {
                    assert.ok(container.resources?.[kind]?.cpu && container.resources?.[kind]?.memory, `${container.name} ${kind}`);
                }
            }
        });

        it(`runs as the lane's ServiceAccount (${AGENT_ACCOUNT}), in the namespace its cloud chooses`, () => {
            assert.strictEqual(pod.spec.serviceAccountName, AGENT_ACCOUNT);
            assert.strictEqual(pod.metadata?.namespace, undefined, "the cloud's token decides where the pod may run");
        });

        it("only the pulumi container receives the lane's credentials, from its Secret (absent in the fork lane), never as literals", () => {
            for (const container of containers) {
                const fromSecret = (container.envFrom ?? []).map((e: any) => `${e.secretRef?.name} optional=${e.secretRef?.optional}`);
                assert.deepStrictEqual(fromSecret, container.name === "pulumi" ? [`${LANE_CREDENTIALS_SECRET} optional=true`] : [], container.name);
                for (const variable of container.env ?? []) {
                    assert.doesNotMatch(variable.name, /TOKEN|PASSWORD|PASSPHRASE|SECRET/, `${container.name} ${variable.name}`);
                }
            }
        });

        it(`meets the Pod Security level its lane's namespace enforces (${level})`, () => {
            assert.deepStrictEqual(podSecurityViolations(pod.spec, level), []);
            for (const container of containers.filter((c) => c.name !== BUILDER_CONTAINER && c.name !== "mongo")) {
                assert.strictEqual(container.securityContext?.allowPrivilegeEscalation, false, container.name);
            }
        });
    });
}

describe("the two agent pods", () => {
    const deploy = PODS["deploy-pod.yaml"].pod;
    const preview = PODS["preview-pod.yaml"].pod;
    const builder = deploy.spec.containers.find((c: any) => c.name === BUILDER_CONTAINER);

    it("have no privileged container; only the deploying lanes' builder is unconfined, as a non-root user", () => {
        const privileged = (pod: any) => pod.spec.containers.filter((c: any) => c.securityContext?.privileged === true).map((c: any) => c.name);
        assert.deepStrictEqual(privileged(deploy), []);
        assert.deepStrictEqual(privileged(preview), []);
        const unconfined = (pod: any) => pod.spec.containers
            .filter((c: any) => c.securityContext?.seccompProfile?.type === "Unconfined" || c.securityContext?.appArmorProfile?.type === "Unconfined")
            .map((c: any) => c.name);
        assert.deepStrictEqual(unconfined(deploy), [BUILDER_CONTAINER]);
        assert.deepStrictEqual(unconfined(preview), []);
        assert.strictEqual(builder.securityContext.runAsNonRoot, true);
        assert.strictEqual(builder.securityContext.runAsUser, 1000, "the rootless image's user (moby/buildkit Dockerfile: USER 1000:1000)");
        assert.strictEqual(builder.securityContext.capabilities, undefined, "no capability added");
    });

    it("the builder runs rootless BuildKit as upstream's Kubernetes example does, and reads the push credentials read-only", () => {
        assert.deepStrictEqual(builder.command, ["sleep"], "buildctl-daemonless.sh starts the daemon per build");
        assert.ok(builder.env.some((e: any) => e.name === "BUILDKITD_FLAGS" && e.value === "--oci-worker-no-process-sandbox"));
        const mounts = Object.fromEntries(builder.volumeMounts.map((m: any) => [m.mountPath, m]));
        assert.ok(mounts["/home/user/.local/share/buildkit"], "an emptyDir on the rootless state directory");
        const auth = builder.env.find((e: any) => e.name === "DOCKER_CONFIG").value;
        assert.strictEqual(mounts[auth]?.readOnly, true);
        const pulumi = deploy.spec.containers.find((c: any) => c.name === "pulumi");
        assert.ok(pulumi.env.some((e: any) => e.name === "DOCKER_CONFIG" && e.value === auth), "ci/registry-login.sh writes where the builder reads");
        assert.ok(pulumi.volumeMounts.some((m: any) => m.mountPath === auth && !m.readOnly));
        const volume = deploy.spec.volumes.find((v: any) => v.name === mounts[auth].name);
        assert.strictEqual(volume.emptyDir?.medium, "Memory", "the credentials never reach the node's disk");
    });

    it("are the same pod but for the builder and what it shares", () => {
        const strip = (pod: any) => {
            const copy = JSON.parse(JSON.stringify(pod));
            copy.spec.containers = copy.spec.containers.filter((c: any) => c.name !== BUILDER_CONTAINER);
            delete copy.spec.volumes;
            for (const c of copy.spec.containers) {
                c.env = (c.env ?? []).filter((e: any) => e.name !== "DOCKER_CONFIG");
                if (c.env.length === 0) delete c.env;
                delete c.volumeMounts;
            }
            return copy;
        };
        assert.deepStrictEqual(strip(preview), strip(deploy));
    });
});
