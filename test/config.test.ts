import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_DEFAULTS, parseStackConfig, PROJECT, RawStackConfig, StackConfigError } from "../infra/config";
import { FAKE_COMMIT, ProgramFailure, ROOT, runProgram, STACKS, stackFileConfig } from "./harness";

const token = pulumi.secret("token");
const OWNS_JENKINS = { ownsJenkins: "true", jenkinsRepositoryUrl: "https://github.com/xpto/users-api" };
const JENKINS_SECRETS: Partial<RawStackConfig> = {
    secrets: { registryToken: token, jenkinsPulumiAccessToken: pulumi.secret("pat"), jenkinsPulumiConfigPassphrase: pulumi.secret("pp") },
};

function raw(values: Record<string, string>, overrides: Partial<RawStackConfig> = {}): RawStackConfig {
    return {
        stack: "develop",
        values: { imageRepository: "docker.io/xpto/users-api", registryUsername: "xptodeploy", ...values },
        secrets: { registryToken: token },
        gitCommit: FAKE_COMMIT,
        ...overrides,
    };
}

/** Parses and returns the problems, failing the test if the config was accepted. */
function problemsOf(input: RawStackConfig): string[] {
    try {
        parseStackConfig(input);
    } catch (err) {
        assert.ok(err instanceof StackConfigError, String(err));
        return err.problems;
    }
    return assert.fail("the config was accepted");
}

function withoutPrefix(config: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(`${PROJECT}:`, ""), v]));
}

describe("stack configuration", () => {
    describe("the committed stack files", () => {
        for (const stack of STACKS) {
            it(`Pulumi.${stack}.yaml is valid and holds no secret`, () => {
                const values = withoutPrefix(stackFileConfig(stack));
                parseStackConfig(raw(values, { stack, ...JENKINS_SECRETS }));
                assert.ok(!("registryToken" in values));
                const text = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
                assert.doesNotMatch(text, /(password|token|passphrase|secure:)/i);
            });
        }

        it("develop runs one small replica, does not own Jenkins and leaves its data unprotected", () => {
            const config = parseStackConfig(raw(withoutPrefix(stackFileConfig("develop"))));
            assert.strictEqual(config.api.replicas, 1);
            assert.strictEqual(config.jenkins.owned, false);
            assert.strictEqual(config.protectData, false);
        });

        it("production runs at least two replicas, owns Jenkins and protects its data", () => {
            const config = parseStackConfig(raw(withoutPrefix(stackFileConfig("production")), { stack: "production", ...JENKINS_SECRETS }));
            assert.ok(config.api.replicas >= 2);
            assert.strictEqual(config.jenkins.owned, true);
            assert.strictEqual(config.protectData, true);
        });
    });

    describe("defaults", () => {
        it("use the stack name as namespace, mongo:4.2, ClusterIP and the git commit as tag", () => {
            const config = parseStackConfig(raw({}, { stack: "production" }));
            assert.strictEqual(config.namespace, "production");
            assert.strictEqual(config.mongo.image, "mongo:4.2");
            assert.strictEqual(config.mongo.majorVersion, 4);
            assert.strictEqual(config.api.serviceType, "ClusterIP");
            assert.strictEqual(config.api.database, "restfulapi");
            assert.strictEqual(config.image.tag, FAKE_COMMIT);
            assert.strictEqual(config.image.registryServer, "docker.io");
            assert.strictEqual(config.jenkins.namespace, "jenkins");
            assert.strictEqual(config.mongo.storageClass, undefined);
        });

        it("an explicit imageTag wins over the git commit", () => {
            assert.strictEqual(parseStackConfig(raw({ imageTag: "v1.2.3" })).image.tag, "v1.2.3");
        });

        it("reads the major version of a newer MongoDB", () => {
            assert.strictEqual(parseStackConfig(raw({ mongoImage: "mongo:7.0.12" })).mongo.majorVersion, 7);
        });

        it("every default itself passes validation", () => {
            const defaults: Record<string, string> = {};
            for (const [key, value] of Object.entries(CONFIG_DEFAULTS)) {
                if (value !== undefined) defaults[key] = value;
            }
            parseStackConfig(raw(defaults));
        });
    });

    describe("image registries", () => {
        const cases: [string, string, string][] = [
            ["xpto/users-api", "docker.io/xpto/users-api", "docker.io"],
            ["docker.io/xpto/users-api", "docker.io/xpto/users-api", "docker.io"],
            ["127.0.0.1:5001/xpto/users-api", "127.0.0.1:5001/xpto/users-api", "127.0.0.1:5001"],
            ["ghcr.io/xpto/users-api", "ghcr.io/xpto/users-api", "ghcr.io"],
            ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/users-api", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/users-api",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com"],
            ["harbor.xpto.example:8443/platform/team/users-api", "harbor.xpto.example:8443/platform/team/users-api",
                "harbor.xpto.example:8443"],
            ["localhost:5000/users-api", "localhost:5000/users-api", "localhost:5000"],
            ["registry:5000/users-api", "registry:5000/users-api", "registry:5000"],
        ];
        for (const [given, repository, server] of cases) {
            it(`accepts ${given}: registry ${server}`, () => {
                const image = parseStackConfig(raw({ imageRepository: given })).image;
                assert.strictEqual(image.repository, repository);
                assert.strictEqual(image.registryServer, server);
            });
        }

        it("another registry takes its own kind of user name (ECR's is AWS, GHCR's keeps capitals)", () => {
            const image = parseStackConfig(raw({ imageRepository: "ghcr.io/xpto/users-api", registryUsername: "Xpto-Bot" })).image;
            assert.strictEqual(image.username, "Xpto-Bot");
        });
    });

    describe("rollback and previews", () => {
        const digest = `sha256:${"c".repeat(64)}`;

        it("a rollback digest needs neither a git commit nor a registry token (nothing is built or pushed)", () => {
            const image = parseStackConfig(raw({ apiImageDigest: digest }, { secrets: {}, gitCommit: undefined })).image;
            assert.strictEqual(image.digest, digest);
            assert.strictEqual(image.token, undefined);
        });

        it("a preview needs no registry token: previews never push", () => {
            const config = parseStackConfig(raw({ imageRepositoryPrivate: "true" }, { secrets: {}, dryRun: true }));
            assert.strictEqual(config.image.token, undefined);
        });

        it("an update does", () => {
            assert.throws(() => parseStackConfig(raw({}, { secrets: {}, dryRun: false })), /registryToken is required/);
        });
    });

    describe("invalid values fail naming the key and what is allowed", () => {
        const cases: [string, Record<string, string>, Partial<RawStackConfig>, RegExp][] = [
            ["a missing image repository", { imageRepository: "" }, {},
                /^xpto-api:imageRepository is required: set it to a repository such as docker\.io\/<org>\/<name> or <registry host\[:port\]>\/<path>\/<name>/],
            ["an image repository with a tag", { imageRepository: "docker.io/xpto/api:1" }, {},
                /^xpto-api:imageRepository .* without tag/],
            ["an image repository with a digest", { imageRepository: "ghcr.io/xpto/api@sha256:abc" }, {},
                /^xpto-api:imageRepository .* without tag or digest/],
            ["a Docker Hub repository without an organisation", { imageRepository: "users-api" }, {},
                /^xpto-api:imageRepository is "users-api"; expected a repository such as docker\.io\/<org>\/<name>/],
            ["an image repository in capitals", { imageRepository: "ghcr.io/XPTO/api" }, {}, /^xpto-api:imageRepository is "ghcr.io\/XPTO\/api"/],
            ["a rollback digest that is not one", { apiImageDigest: "abc123" }, {},
                /^xpto-api:apiImageDigest is "abc123"; expected an image digest such as sha256:<64 hex digits>/],
            ["a rollback digest with its repository", { apiImageDigest: `docker.io/xpto/users-api@sha256:${"a".repeat(64)}` }, {},
                /^xpto-api:apiImageDigest is .*; expected an image digest such as sha256:/],
            ["imageRepositoryPrivate that is not a boolean", { imageRepositoryPrivate: "yes" }, {},
                /^xpto-api:imageRepositoryPrivate is "yes"; expected one of false, true$/],
            ["protectData that is not a boolean", { protectData: "on" }, {}, /^xpto-api:protectData is "on"; expected one of false, true$/],
            ["a Docker Hub user name another registry would take", { registryUsername: "Xpto.Deploy" }, {},
                /^xpto-api:registryUsername is "Xpto.Deploy"; expected a Docker Hub user name/],
            ["zero replicas", { replicas: "0" }, {}, /^xpto-api:replicas is "0"; expected a whole number from 1 to 20$/],
            ["non-numeric replicas", { replicas: "two" }, {}, /^xpto-api:replicas is "two"; expected a whole number from 1 to 20$/],
            ["an unknown Service type", { serviceType: "Ingress" }, {},
                /^xpto-api:serviceType is "Ingress"; expected one of ClusterIP, NodePort, LoadBalancer$/],
            ["a namespace that is not a DNS label", { namespace: "Prod_1" }, {}, /^xpto-api:namespace is "Prod_1"; expected a DNS label/],
            ["a mongo image without a version", { mongoImage: "mongo:latest" }, {},
                /^xpto-api:mongoImage is "mongo:latest"; expected a mongo image with a numeric version tag/],
            ["an unsupported MongoDB major", { mongoImage: "mongo:3.6" }, {},
                /^xpto-api:mongoImage is "mongo:3.6"; expected a MongoDB major version from 4 to 8$/],
            ["a CPU quantity with a typo", { apiCpuLimit: "500mm" }, {}, /^xpto-api:apiCpuLimit is "500mm"; expected a CPU quantity/],
            ["a memory quantity with a wrong unit", { mongoMemoryLimit: "1GB" }, {},
                /^xpto-api:mongoMemoryLimit is "1GB"; expected a memory quantity/],
            ["a request above its limit", { apiMemoryRequest: "1Gi", apiMemoryLimit: "256Mi" }, {},
                /^xpto-api:apiMemoryRequest is "1Gi"; expected at most xpto-api:apiMemoryLimit \(256Mi\)$/],
            ["a CPU request above its limit", { mongoCpuRequest: "2", mongoCpuLimit: "500m" }, {},
                /^xpto-api:mongoCpuRequest is "2"; expected at most xpto-api:mongoCpuLimit \(500m\)$/],
            ["a storage size that is not a quantity", { mongoStorageSize: "lots" }, {}, /^xpto-api:mongoStorageSize is "lots"/],
            ["a storage class that is not a name", { mongoStorageClass: "Fast SSD" }, {}, /^xpto-api:mongoStorageClass is "Fast SSD"/],
            ["ownsJenkins that is not a boolean", { ownsJenkins: "yes" }, {},
                /^xpto-api:ownsJenkins is "yes"; expected one of false, true$/],
            ["Jenkins in the app's namespace", { jenkinsNamespace: "develop" }, {},
                /^xpto-api:jenkinsNamespace is "develop"; expected a namespace other than the app's \(develop\)$/],
            ["a misspelt key", { replica: "2" }, {}, /^xpto-api:replica is not a known setting; known settings: namespace, /],
            ["a missing Docker Hub user", { registryUsername: "" }, {}, /^xpto-api:registryUsername is required/],
            ["no registry token", {}, { secrets: {} },
                /^xpto-api:registryToken is required: run `pulumi config set --secret registryToken` or export REGISTRY_TOKEN$/],
            ["no registry token to pull a private image on a rollback", {
                imageRepositoryPrivate: "true", apiImageDigest: `sha256:${"a".repeat(64)}`,
            }, { secrets: {} }, /^xpto-api:registryToken is required/],
            ["no image tag and no git checkout", {}, { gitCommit: undefined }, /^xpto-api:imageTag is required: set it to a Docker tag/],
            ["an image tag Docker refuses", { imageTag: "feature/x" }, {}, /^xpto-api:imageTag is "feature\/x"; expected a Docker tag/],
            ["Jenkins without a repository", { ownsJenkins: "true" }, JENKINS_SECRETS,
                /^xpto-api:jenkinsRepositoryUrl is required: set it to the https URL of this repository on GitHub/],
            ["Jenkins building a repository outside GitHub", { ...OWNS_JENKINS, jenkinsRepositoryUrl: "git@gitlab.com:x/y.git" },
                JENKINS_SECRETS, /^xpto-api:jenkinsRepositoryUrl is "git@gitlab.com:x\/y.git"; expected the https URL/],
            ["Jenkins on Pulumi Cloud without an access token", OWNS_JENKINS, {},
                /^xpto-api:jenkinsPulumiAccessToken is required where xpto-api:ownsJenkins is true and the backend is Pulumi Cloud/],
            ["Jenkins on a self-managed backend without a passphrase", { ...OWNS_JENKINS, jenkinsPulumiBackendUrl: "s3://state" },
                {}, /^xpto-api:jenkinsPulumiConfigPassphrase is required with a self-managed backend/],
            ["a backend URL Pulumi cannot use", { jenkinsPulumiBackendUrl: "ftp://x" }, {}, /^xpto-api:jenkinsPulumiBackendUrl is "ftp:\/\/x"/],
            ["a git user without a git token", { ...OWNS_JENKINS, jenkinsGitUsername: "bot" }, JENKINS_SECRETS,
                /^xpto-api:jenkinsGitUsername and xpto-api:jenkinsGitToken go together/],
            ["Jenkins exposed some other way", { jenkinsServiceType: "NodePort" }, {},
                /^xpto-api:jenkinsServiceType is "NodePort"; expected one of ClusterIP, LoadBalancer$/],
            ["an Ingress host that is not a host name", { jenkinsIngressHost: "http://jenkins" }, {},
                /^xpto-api:jenkinsIngressHost is "http:\/\/jenkins"/],
        ];
        for (const [what, values, overrides, message] of cases) {
            it(`rejects ${what}`, () => {
                const problems = problemsOf(raw(values, overrides));
                assert.ok(problems.some((p) => message.test(p)), `no problem matches ${message}:\n${problems.join("\n")}`);
            });
        }

        it("reports every problem at once, in one error message", () => {
            const input = raw({ replicas: "0", serviceType: "Ingress" }, { secrets: {} });
            assert.throws(() => parseStackConfig(input), (err: Error) => {
                assert.match(err.message, /^Invalid stack config:\n {2}- /);
                assert.match(err.message, /xpto-api:replicas/);
                assert.match(err.message, /xpto-api:serviceType/);
                assert.match(err.message, /xpto-api:registryToken/);
                return true;
            });
        });
    });

    describe("in the program", () => {
        it("invalid config fails before any resource is declared", async () => {
            const config = { ...stackFileConfig("develop"), [`${PROJECT}:replicas`]: "0" };
            await assert.rejects(runProgram("develop", { config }), (err: unknown) => {
                assert.ok(err instanceof ProgramFailure, String(err));
                assert.match(err.message, /xpto-api:replicas is "0"; expected a whole number from 1 to 20/);
                assert.deepStrictEqual(err.resources, []);
                return true;
            });
        });

        it("a missing token fails before any resource is declared", async () => {
            await assert.rejects(runProgram("develop", { tokenFrom: "nowhere" }), (err: unknown) => {
                assert.ok(err instanceof ProgramFailure, String(err));
                assert.match(err.message, /xpto-api:registryToken is required/);
                assert.deepStrictEqual(err.resources, []);
                return true;
            });
        });

        it("the image tag is Jenkins' GIT_COMMIT", async () => {
            const run = await runProgram("develop", { env: { GIT_COMMIT: "feedface".repeat(5) } });
            const image = run.resources.find((r) => r.type === "docker:index/image:Image");
            assert.strictEqual(image?.inputs.imageName, `docker.io/xpto/users-api:${"feedface".repeat(5)}`);
        });
    });
});
