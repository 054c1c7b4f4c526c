import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Pod } from "kubernetes-models/v1";
import { ROOT } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- a parsed YAML document */

const pod = yaml.load(fs.readFileSync(path.join(ROOT, "ci", "agent-pod.yaml"), "utf8")) as any;
const containers = pod.spec.containers as any[];

describe("the Jenkins agent pod (ci/agent-pod.yaml)", () => {
    it("validates against the Kubernetes schema", () => {
        assert.doesNotThrow(() => new Pod(pod).validate());
    });

    it("pins every image to a version", () => {
        for (const container of containers) {
            const [, tag] = /:([^/:@]+)$/.exec(container.image) ?? [];
            assert.ok(tag, `${container.name} has a tag`);
            assert.ok(/\d/.test(tag) && tag !== "latest", `${container.name}: ${container.image} is not a version`);
        }
    });

    it("has Node and a Pulumi CLI new enough for --exclude, and the API's Python", () => {
        const image = (name: string) => containers.find((c) => c.name === name)?.image as string;
        const [, pulumiVersion] = /^pulumi\/pulumi-nodejs:3\.(\d+)\.\d+$/.exec(image("pulumi")) ?? [];
        assert.ok(Number(pulumiVersion) >= 160, "pulumi up --exclude needs a 3.160+ CLI");
        const dockerfile = fs.readFileSync(path.join(ROOT, "app", "Dockerfile"), "utf8");
        const [, python] = /^ARG BASE_IMAGE=python:(\d+\.\d+)/m.exec(dockerfile) ?? [];
        assert.ok(image("python").startsWith(`python:${python}.`), `the agent's Python is the image's ${python}`);
        assert.match(image("mongo"), /^mongo:4\.2\.\d+$/);
    });

    it("gives the API tests the agent's mongo:4.2 through TEST_MONGO_URI", () => {
        const python = containers.find((c) => c.name === "python");
        assert.ok(python.env.some((e: any) => e.name === "TEST_MONGO_URI" && e.value.startsWith("mongodb://127.0.0.1:27017")));
    });

    it("sets requests and limits on every container", () => {
        for (const container of containers) {
            for (const kind of ["requests", "limits"]) {
                assert.ok(container.resources?.[kind]?.cpu && container.resources?.[kind]?.memory, `${container.name} ${kind}`);
            }
        }
    });

    it("keeps privilege to the Docker daemon sidecar alone", () => {
        const privileged = containers.filter((c) => c.securityContext?.privileged === true).map((c) => c.name);
        assert.deepStrictEqual(privileged, ["docker"]);
        for (const container of containers.filter((c) => c.name !== "docker" && c.name !== "mongo")) {
            assert.strictEqual(container.securityContext?.allowPrivilegeEscalation, false, container.name);
        }
    });

    it("runs as the agent ServiceAccount", () => {
        assert.strictEqual(pod.spec.serviceAccountName, "jenkins-agent");
    });
});
