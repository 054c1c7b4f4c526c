import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Pod } from "kubernetes-models/v1";
import { DEPLOYER_ACCOUNT, LANE_CREDENTIALS_SECRET, PREVIEWER_ACCOUNT } from "../infra/pipeline";
import { LANE_POD_SECURITY } from "../infra/pipelineLanes";
import { AGENT_IMAGES } from "../infra/upstream";
import { ROOT } from "./harness";
import { podSecurityViolations } from "./podSecurity";

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML documents */

function load(file: string): any {
    return yaml.load(fs.readFileSync(path.join(ROOT, "ci", file), "utf8"));
}

const PODS = {
    "deploy-pod.yaml": { pod: load("deploy-pod.yaml"), account: DEPLOYER_ACCOUNT, level: LANE_POD_SECURITY.production },
    "preview-pod.yaml": { pod: load("preview-pod.yaml"), account: PREVIEWER_ACCOUNT, level: LANE_POD_SECURITY.preview },
} as const;

const IMAGE_OF: Record<string, string> = {
    pulumi: AGENT_IMAGES.pulumi, python: AGENT_IMAGES.python, mongo: AGENT_IMAGES.mongo,
    groovy: AGENT_IMAGES.groovyLint, docker: AGENT_IMAGES.docker,
};

const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

for (const [file, { pod, account, level }] of Object.entries(PODS)) {
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

        it(`runs as the lane's ServiceAccount (${account}), in the namespace its cloud chooses`, () => {
            assert.strictEqual(pod.spec.serviceAccountName, account);
            assert.strictEqual(pod.metadata?.namespace, undefined, "the cloud's token decides where the pod may run");
        });

        it("only the pulumi container receives the lane's credentials, from its Secret, never as literals", () => {
            for (const container of containers) {
                const fromSecret = (container.envFrom ?? []).map((e: any) => e.secretRef?.name);
                assert.deepStrictEqual(fromSecret, container.name === "pulumi" ? [LANE_CREDENTIALS_SECRET] : [], container.name);
                for (const variable of container.env ?? []) {
                    assert.doesNotMatch(variable.name, /TOKEN|PASSWORD|PASSPHRASE|SECRET/, `${container.name} ${variable.name}`);
                }
            }
        });

        it(`meets the Pod Security level its lane's namespace enforces (${level})`, () => {
            assert.deepStrictEqual(podSecurityViolations(pod.spec, level), []);
            for (const container of containers.filter((c) => c.name !== "docker" && c.name !== "mongo")) {
                assert.strictEqual(container.securityContext?.allowPrivilegeEscalation, false, container.name);
            }
        });
    });
}

describe("the two agent pods", () => {
    const deploy = PODS["deploy-pod.yaml"].pod;
    const preview = PODS["preview-pod.yaml"].pod;

    it("keep privilege to the deploying lanes' Docker daemon alone", () => {
        const privileged = (pod: any) => pod.spec.containers.filter((c: any) => c.securityContext?.privileged === true).map((c: any) => c.name);
        assert.deepStrictEqual(privileged(deploy), ["docker"]);
        assert.deepStrictEqual(privileged(preview), []);
        assert.notDeepStrictEqual(podSecurityViolations(deploy.spec, "baseline"), [], "the daemon could not run in a baseline namespace");
    });

    it("the daemon starts with `dockerd` first, listening on the pod's loopback only", () => {
        const docker = deploy.spec.containers.find((c: any) => c.name === "docker");
        assert.strictEqual(docker.command, undefined, "the image's entrypoint (dockerd-entrypoint.sh) runs");
        assert.strictEqual(docker.args[0], "dockerd", "a first argument `dockerd` stops the entrypoint adding --host=tcp://0.0.0.0:2375");
        const hosts = docker.args.filter((a: string) => a.startsWith("--host"));
        assert.deepStrictEqual(hosts, ["--host=tcp://127.0.0.1:2375"]);
        const pulumi = deploy.spec.containers.find((c: any) => c.name === "pulumi");
        assert.ok(pulumi.env.some((e: any) => e.name === "DOCKER_HOST" && e.value === "tcp://127.0.0.1:2375"));
    });

    it("are the same pod but for the Docker daemon and the identity", () => {
        const strip = (pod: any) => {
            const copy = JSON.parse(JSON.stringify(pod));
            delete copy.spec.serviceAccountName;
            copy.spec.containers = copy.spec.containers.filter((c: any) => c.name !== "docker");
            delete copy.spec.volumes;
            for (const c of copy.spec.containers) {
                c.env = (c.env ?? []).filter((e: any) => e.name !== "DOCKER_HOST");
                if (c.env.length === 0) delete c.env;
            }
            return copy;
        };
        assert.deepStrictEqual(strip(preview), strip(deploy));
    });
});
