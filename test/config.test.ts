import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import {
    type ConfigKey, isSecret, parseStackConfig, PROJECT, RawStackConfig, SECRET_KEYS, type SecretKey, type Setting, SETTINGS,
    StackConfigError,
} from "../infra/config";
import {
    APP_STACKS, FAKE_COMMIT, ProgramFailure, ROOT, runProgram, SENTINELS, sentinelSecrets, type StackName, STACKS, stackFileConfig,
    stackFileSecrets,
} from "./harness";

const secret = (key: SecretKey) => pulumi.secret(SENTINELS.secret(key));

/** The secrets an operator sets on the Jenkins stack, as the parser receives them. */
function jenkinsSecrets(backend: "pulumi-cloud" | "s3" = "pulumi-cloud"): RawStackConfig["secrets"] {
    return Object.fromEntries(Object.keys(sentinelSecrets("jenkins", backend))
        .map((key) => key.replace(`${PROJECT}:`, "") as SecretKey).map((key) => [key, secret(key)]));
}

function app(values: Record<string, string>, overrides: Partial<RawStackConfig> = {}): RawStackConfig {
    return {
        stack: "develop",
        values: { imageRepository: "docker.io/xpto/users-api", podNetworkCidrs: "10.244.0.0/16", ...values },
        secrets: {},
        gitCommit: FAKE_COMMIT,
        ...overrides,
    };
}

const JENKINS_VALUES = {
    role: "jenkins", podNetworkCidrs: "10.244.0.0/16", jenkinsRepositoryUrl: "https://github.com/xpto/users-api", jenkinsGitHubUsername: "xpto-ci",
    pipelineProductionRegistryUsername: "xptodeploy", pipelineDevelopRegistryUsername: "xptodevelop",
};

function jenkins(values: Record<string, string>, overrides: Partial<RawStackConfig> = {}): RawStackConfig {
    return { stack: "jenkins", values: { ...JENKINS_VALUES, ...values }, secrets: jenkinsSecrets(), ...overrides };
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

/** An app stack as its committed file has it, `secure:` values decrypted (as sentinels). */
function committed(stack: "develop" | "production"): RawStackConfig {
    const secrets = Object.fromEntries(Object.entries(stackFileSecrets(stack))
        .map(([key, value]) => [key.slice(PROJECT.length + 1), pulumi.secret(value)]));
    return app(withoutPrefix(stackFileConfig(stack)), { stack, secrets });
}

function withoutPrefix(config: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(`${PROJECT}:`, ""), v]));
}

/** A stack file as the program receives it: plain settings, and `secure:` ones decrypted (as sentinels), by full key. */
interface StackFile {
    config: Record<string, string>;
    secrets: Record<string, string>;
}

const committedFile = (stack: StackName): StackFile => ({ config: stackFileConfig(stack), secrets: stackFileSecrets(stack) });

/**
 * Runs the program on a stack file as its reader has it: a lane's agent (app
 * stacks) has the file and what its backend decrypts of it, no other secret
 * (its Pulumi and registry credentials are the CLI's and the builder's);
 * an operator (the Jenkins stack) has also set every secret the key table
 * says the Jenkins stack needs.
 */
function runAsItsReader(stack: StackName, file: StackFile, dryRun: boolean) {
    return runProgram(stack, {
        config: file.config, secrets: file.secrets, dryRun, secretsFrom: stack === "jenkins" ? "operator" : "nowhere",
    });
}

/** One `pulumi config set|rm` the README tells an operator to run. */
interface DocumentedChange {
    command: string;
    stacks: StackName[];
    key: ConfigKey;
    /** Unset for `rm`, and for `set --secret`, which prompts for the value. */
    value?: string;
    secret: boolean;
    remove: boolean;
    /** Commands of one fenced block are one step: the README has them run together. */
    step: number;
}

/** What the README's placeholders stand for in a value. */
const EXAMPLE_VALUES: Record<string, string> = { "<digest>": "ab".repeat(32) };

/** Every `pulumi config set|rm … -s <stack>` in the README, placeholders (`pipeline<Lane><Kind>Token`, `<stack>`) expanded. */
function documentedChanges(readme: string): DocumentedChange[] {
    const fences = [...readme.matchAll(/^```[\s\S]*?^```/gm)].map((m) => [m.index, m.index + m[0].length]);
    const pattern = /pulumi config (set|rm)(\s+--secret)?\s+([\w<>]+)(?:\s+(?!-s\s)([^\s`]+))?\s+-s\s+([\w<>./-]+)/g;
    const changes: DocumentedChange[] = [];
    for (const m of readme.matchAll(pattern)) {
        const [command, verb, secretFlag, keyText, valueText, stackText] = m;
        if (/^<\w+>$/.test(keyText)) continue; // the syntax line, `pulumi config set <key> <value> -s <stack>`
        const keyPattern = new RegExp(`^${keyText.replace(/<\w+>/g, "[A-Za-z0-9]+")}$`);
        const keys = (Object.keys(SETTINGS) as ConfigKey[]).filter((key) => keyPattern.test(key));
        assert.ok(keys.length > 0, `"${command}" names no setting of the key table`);
        const value = valueText?.replace(/<[\w ]+>/g, (placeholder) => {
            assert.ok(placeholder in EXAMPLE_VALUES, `"${command}": give ${placeholder} an example value in EXAMPLE_VALUES`);
            return EXAMPLE_VALUES[placeholder];
        });
        const fence = fences.findIndex(([start, end]) => m.index >= start && m.index < end);
        const step = fence >= 0 ? -1 - fence : m.index;
        for (const key of keys) {
            const stack = stackText.replace(/^[\w.-]+\//, "");
            const role = SETTINGS[key].role;
            const stacks = stack === "<stack>"
                ? STACKS.filter((s) => role === "shared" || (role === "jenkins") === (s === "jenkins"))
                : STACKS.filter((s) => s === stack);
            assert.ok(stacks.length > 0, `"${command}": no committed stack is ${stack}`);
            changes.push({ command, stacks, key, value, secret: secretFlag !== undefined, remove: verb === "rm", step });
        }
    }
    return changes;
}

/** The file after the change: `--secret` writes `secure:` ciphertext, which the backend decrypts for the program. */
function applied(file: StackFile, change: DocumentedChange): StackFile {
    const key = `${PROJECT}:${change.key}`;
    const config = { ...file.config };
    const secrets = { ...file.secrets };
    Reflect.deleteProperty(config, key);
    Reflect.deleteProperty(secrets, key);
    if (!change.remove && change.secret) secrets[key] = SENTINELS.secret(change.key as SecretKey);
    if (!change.remove && !change.secret) config[key] = change.value ?? "";
    return { config, secrets };
}

/**
 * Secret settings held in plain text in a stack file: what `pulumi config set`
 * without `--secret` writes. Ciphertext (`secure:`) is how Pulumi keeps them.
 */
function plaintextSecrets(stackFileText: string): string[] {
    const doc = yaml.load(stackFileText) as { config?: Record<string, unknown> };
    return Object.entries(doc.config ?? {})
        .filter(([key, value]) => (SECRET_KEYS as readonly string[]).includes(key.replace(`${PROJECT}:`, "")) &&
            !(typeof value === "object" && value !== null && "secure" in value))
        .map(([key]) => key);
}

describe("stack configuration", () => {
    describe("the committed stack files", () => {
        for (const stack of STACKS) {
            it(`Pulumi.${stack}.yaml holds no secret in plain text (ciphertext is how Pulumi keeps them)`, () => {
                assert.deepStrictEqual(plaintextSecrets(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")), []);
            });
        }

        it("the check sees a secret set without --secret, and accepts the ciphertext --secret writes", () => {
            const plain = "config:\n  xpto-api:jenkinsGitHubToken: ghp_abc\n  xpto-api:replicas: \"2\"\n";
            assert.deepStrictEqual(plaintextSecrets(plain), ["xpto-api:jenkinsGitHubToken"]);
            const cipher = "config:\n  xpto-api:jenkinsGitHubToken:\n    secure: AAABAHxQk1Yp2w==\n";
            assert.deepStrictEqual(plaintextSecrets(cipher), []);
        });

        for (const stack of APP_STACKS) {
            it(`${stack} parses exactly as its lane's pipeline has it: the file, and the secure: values its backend decrypts`, async () => {
                // The lane's agent holds no secret of the stack's own: an operator commits one as
                // `secure:` ciphertext (a private repository's registryPullToken), the backend decrypts it.
                const file = committedFile(stack);
                for (const key of Object.keys(file.secrets).map((k) => k.slice(PROJECT.length + 1))) {
                    const setting = SETTINGS[key as ConfigKey] as Setting | undefined;
                    assert.ok(setting && isSecret(setting) && setting.role === "app", `${key} is a secret setting of an app stack`);
                }
                for (const dryRun of [false, true]) {
                    const run = await runAsItsReader(stack, file, dryRun);
                    assert.ok(run.resources.length > 10, `${stack} declares its resources (dry run: ${dryRun})`);
                }
            });
        }

        it("every change the README documents for a stack file leaves the stack parsing and the program running", async () => {
            const changes = documentedChanges(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
            assert.ok(changes.some((c) => c.key === "registryPullToken" && c.secret), "the private-repository steps are read");
            assert.ok(changes.some((c) => c.key === "apiImageDigest" && c.remove), "the rollback's undo is read");
            const files = Object.fromEntries(STACKS.map((stack) => [stack, committedFile(stack)])) as Record<StackName, StackFile>;
            const checked = new Set<string>();
            for (const step of [...new Set(changes.map((c) => c.step))]) {
                const stepChanges = changes.filter((c) => c.step === step);
                for (const change of stepChanges) {
                    const setting = SETTINGS[change.key];
                    assert.strictEqual(change.secret || change.remove, isSecret(setting) || change.remove,
                        `"${change.command}": a secret is set with --secret, a plain value without`);
                    for (const stack of change.stacks) files[stack] = applied(files[stack], change);
                }
                for (const stack of new Set(stepChanges.flatMap((c) => c.stacks))) {
                    // A rotation leaves the file as an earlier step had it: that one was run.
                    const state = JSON.stringify([stack, files[stack]]);
                    if (checked.has(state)) continue;
                    checked.add(state);
                    for (const dryRun of [false, true]) {
                        const run = await runAsItsReader(stack, files[stack], dryRun).catch((err: unknown) => {
                            throw new Error(`after ${stepChanges.map((c) => `"${c.command}"`).join(", ")} on ${stack}: ${String(err)}`);
                        });
                        assert.ok(run.resources.length > 10, `${stack} declares its resources (dry run: ${dryRun})`);
                    }
                }
            }
        });

        it("develop runs one small replica, pushes to its own repository and leaves its data unprotected", () => {
            const config = parseStackConfig(committed("develop")).app;
            const production = parseStackConfig(committed("production")).app;
            assert.strictEqual(config?.api.replicas, 1);
            assert.strictEqual(config?.protectData, false);
            assert.notStrictEqual(config?.image.repository, production?.image.repository,
                "a develop push token cannot overwrite production's repository");
        });

        it("production runs at least two replicas and protects its data", () => {
            const config = parseStackConfig(committed("production")).app;
            assert.ok((config?.api.replicas ?? 0) >= 2);
            assert.strictEqual(config?.protectData, true);
        });

        it("the jenkins stack deploys Jenkins only, with every lane's credentials set by an operator", () => {
            const config = parseStackConfig(jenkins(withoutPrefix(stackFileConfig("jenkins"))));
            assert.strictEqual(config.role, "jenkins");
            assert.strictEqual(config.app, undefined);
            assert.strictEqual(config.jenkins?.backend.kind, "pulumi-cloud");
            assert.strictEqual(config.jenkins?.lanes.preview?.registry, undefined, "previews never push");
            assert.strictEqual(config.jenkins?.lanes.fork, undefined, "forks get no credential at all");
        });
    });

    describe("defaults", () => {
        it("use the stack name as namespace and lane, mongo:4.2, ClusterIP and the git commit as tag", () => {
            const config = parseStackConfig(app({}, { stack: "production" }));
            assert.strictEqual(config.role, "app");
            assert.strictEqual(config.jenkinsNamespace, "jenkins");
            assert.strictEqual(config.app?.namespace, "production");
            assert.strictEqual(config.app?.deployLane, "production");
            assert.strictEqual(config.app?.mongo.image, "mongo:4.2");
            assert.strictEqual(config.app?.mongo.majorVersion, 4);
            assert.strictEqual(config.app?.api.serviceType, "ClusterIP");
            assert.strictEqual(config.app?.api.database, "restfulapi");
            assert.strictEqual(config.app?.image.tag, FAKE_COMMIT);
            assert.strictEqual(config.app?.image.registryServer, "docker.io");
            assert.strictEqual(config.app?.image.pull, undefined);
            assert.strictEqual(config.app?.mongo.storageClass, undefined);
        });

        it("an explicit imageTag wins over the git commit", () => {
            assert.strictEqual(parseStackConfig(app({ imageTag: "v1.2.3" })).app?.image.tag, "v1.2.3");
        });

        it("reads the major version of a newer MongoDB", () => {
            assert.strictEqual(parseStackConfig(app({ mongoImage: "mongo:7.0.12" })).app?.mongo.majorVersion, 7);
        });

        it("every app default itself passes validation", () => {
            const defaults: Record<string, string> = {};
            for (const [key, setting] of Object.entries(SETTINGS)) {
                if (!isSecret(setting) && setting.role !== "jenkins" && setting.default !== undefined) defaults[key] = setting.default;
            }
            assert.ok(Object.keys(defaults).length > 10, Object.keys(defaults).join(", "));
            parseStackConfig(app(defaults));
        });

        it("a stack named otherwise says which lane deploys it", () => {
            assert.strictEqual(parseStackConfig(app({ deployLane: "develop" }, { stack: "staging" })).app?.deployLane, "develop");
            const problems = problemsOf(app({}, { stack: "staging" }));
            assert.ok(problems.some((p) => /^xpto-api:deployLane is required: set it to one of production, develop$/.test(p)),
                problems.join("\n"));
        });
    });

    describe("the key table", () => {
        const S3 = "s3://xpto-pulumi-state";
        /** A valid stack of the key's role, with the key's condition (a backend, a private repository) met. */
        function stackNeeding(setting: Setting): RawStackConfig {
            if (setting.role === "jenkins") {
                const backend = isSecret(setting) && setting.requiredWith === "s3" ? "s3" : "pulumi-cloud";
                return jenkins(backend === "s3" ? { pipelineBackendUrl: S3 } : {}, { secrets: jenkinsSecrets(backend) });
            }
            const needsPrivate = isSecret(setting) ? setting.requiredWith === "a private repository" : /private repository/.test(setting.unset ?? "");
            return app(needsPrivate ? { imageRepositoryPrivate: "true", registryUsername: "xptopull" } : {},
                { secrets: needsPrivate ? { registryPullToken: secret("registryPullToken") } : {} });
        }

        for (const [key, setting] of Object.entries(SETTINGS)) {
            const required = isSecret(setting) || /^required/.test(setting.unset ?? "");
            if (!required) continue;
            it(`${key}, required as the table says, is refused when unset, and the stack parses with it`, () => {
                const input = stackNeeding(setting);
                parseStackConfig(input);
                const without = { ...input, values: { ...input.values, [key]: "" }, secrets: { ...input.secrets, [key]: undefined } };
                const problems = problemsOf(without);
                assert.ok(problems.some((p) => p.startsWith(`${PROJECT}:${key} is required`)), problems.join("\n"));
            });
        }

        it("a Jenkins stack needs only the secrets the table gives its backend", () => {
            for (const backend of ["pulumi-cloud", "s3"] as const) {
                const values: Record<string, string> = backend === "s3" ? { pipelineBackendUrl: S3 } : {};
                assert.strictEqual(parseStackConfig(jenkins(values, { secrets: jenkinsSecrets(backend) })).jenkins?.backend.kind, backend);
            }
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
                const image = parseStackConfig(app({ imageRepository: given })).app?.image;
                assert.strictEqual(image?.repository, repository);
                assert.strictEqual(image?.registryServer, server);
            });
        }

        it("a private repository pulls as the configured user with a pull token", () => {
            const input = app({ imageRepository: "ghcr.io/xpto/users-api", imageRepositoryPrivate: "true", registryUsername: "Xpto-Bot" },
                { secrets: { registryPullToken: secret("registryPullToken") } });
            assert.strictEqual(parseStackConfig(input).app?.image.pull?.username, "Xpto-Bot", "GHCR keeps capitals");
        });
    });

    describe("rollback and previews", () => {
        const digest = `sha256:${"c".repeat(64)}`;

        it("a rollback digest needs no git commit (nothing is built)", () => {
            const image = parseStackConfig(app({ apiImageDigest: digest }, { gitCommit: undefined })).app?.image;
            assert.strictEqual(image?.digest, digest);
        });

        it("a preview needs no pull token: nothing pulls during a preview", () => {
            const config = parseStackConfig(app({ imageRepositoryPrivate: "true", registryUsername: "xptodeploy" }, { dryRun: true }));
            assert.strictEqual(config.app?.image.pull?.token, undefined);
        });

        it("an update of a private repository does", () => {
            assert.throws(() => parseStackConfig(app({ imageRepositoryPrivate: "true", registryUsername: "xptodeploy" })),
                /registryPullToken is required with a private repository/);
        });
    });

    describe("invalid values fail naming the key and what is allowed", () => {
        const cases: [string, RawStackConfig, RegExp][] = [
            ["a missing image repository", app({ imageRepository: "" }),
                /^xpto-api:imageRepository is required: set it to a repository such as docker\.io\/<org>\/<name> or <registry host\[:port\]>\/<path>\/<name>/],
            ["an image repository with a tag", app({ imageRepository: "docker.io/xpto/api:1" }), /^xpto-api:imageRepository .* without tag/],
            ["an image repository with a digest", app({ imageRepository: "ghcr.io/xpto/api@sha256:abc" }),
                /^xpto-api:imageRepository .* without tag or digest/],
            ["a Docker Hub repository without an organisation", app({ imageRepository: "users-api" }),
                /^xpto-api:imageRepository is "users-api"; expected a repository such as docker\.io\/<org>\/<name>/],
            ["an image repository in capitals", app({ imageRepository: "ghcr.io/XPTO/api" }), /^xpto-api:imageRepository is "ghcr.io\/XPTO\/api"/],
            ["a rollback digest that is not one", app({ apiImageDigest: "abc123" }),
                /^xpto-api:apiImageDigest is "abc123"; expected an image digest such as sha256:<64 hex digits>/],
            ["a rollback digest with its repository", app({ apiImageDigest: `docker.io/xpto/users-api@sha256:${"a".repeat(64)}` }),
                /^xpto-api:apiImageDigest is .*; expected an image digest such as sha256:/],
            ["imageRepositoryPrivate that is not a boolean", app({ imageRepositoryPrivate: "yes" }),
                /^xpto-api:imageRepositoryPrivate is "yes"; expected one of false, true$/],
            ["protectData that is not a boolean", app({ protectData: "on" }), /^xpto-api:protectData is "on"; expected one of false, true$/],
            ["a private Docker Hub repository without a user", app({ imageRepositoryPrivate: "true" }, { dryRun: true }),
                /^xpto-api:registryUsername is required: set it to a Docker Hub user name/],
            ["zero replicas", app({ replicas: "0" }), /^xpto-api:replicas is "0"; expected a whole number from 1 to 20$/],
            ["non-numeric replicas", app({ replicas: "two" }), /^xpto-api:replicas is "two"; expected a whole number from 1 to 20$/],
            ["an unknown Service type", app({ serviceType: "Ingress" }),
                /^xpto-api:serviceType is "Ingress"; expected one of ClusterIP, NodePort, LoadBalancer$/],
            ["a namespace that is not a DNS label", app({ namespace: "Prod_1" }), /^xpto-api:namespace is "Prod_1"; expected a DNS label/],
            ["the app in Jenkins' namespace", app({ namespace: "jenkins" }),
                /^xpto-api:namespace is "jenkins"; expected a namespace other than Jenkins' \(jenkins\)$/],
            ["a mongo image without a version", app({ mongoImage: "mongo:latest" }),
                /^xpto-api:mongoImage is "mongo:latest"; expected a mongo image with a numeric version tag/],
            ["an unsupported MongoDB major", app({ mongoImage: "mongo:3.6" }),
                /^xpto-api:mongoImage is "mongo:3.6"; expected a MongoDB major version from 4 to 8$/],
            ["a CPU quantity with a typo", app({ apiCpuLimit: "500mm" }), /^xpto-api:apiCpuLimit is "500mm"; expected a CPU quantity/],
            ["a memory quantity with a wrong unit", app({ mongoMemoryLimit: "1GB" }),
                /^xpto-api:mongoMemoryLimit is "1GB"; expected a memory quantity/],
            ["a request above its limit", app({ apiMemoryRequest: "1Gi", apiMemoryLimit: "256Mi" }),
                /^xpto-api:apiMemoryRequest is "1Gi"; expected at most xpto-api:apiMemoryLimit \(256Mi\)$/],
            ["a CPU request above its limit", app({ mongoCpuRequest: "2", mongoCpuLimit: "500m" }),
                /^xpto-api:mongoCpuRequest is "2"; expected at most xpto-api:mongoCpuLimit \(500m\)$/],
            ["a storage size that is not a quantity", app({ mongoStorageSize: "lots" }), /^xpto-api:mongoStorageSize is "lots"/],
            ["a storage class that is not a name", app({ mongoStorageClass: "Fast SSD" }), /^xpto-api:mongoStorageClass is "Fast SSD"/],
            ["a misspelt key", app({ replica: "2" }), /^xpto-api:replica is not a known setting; known settings: role, /],
            ["no image tag and no git checkout", app({}, { gitCommit: undefined }), /^xpto-api:imageTag is required: set it to a Docker tag/],
            ["an image tag Docker refuses", app({ imageTag: "feature/x" }), /^xpto-api:imageTag is "feature\/x"; expected a Docker tag/],
            ["an unknown role", app({ role: "ci" }), /^xpto-api:role is "ci"; expected one of app, jenkins$/],
            ["a lane that does not deploy", app({ deployLane: "preview" }), /^xpto-api:deployLane is "preview"; expected one of production, develop$/],
            ["a Jenkins setting on an app stack", app({ jenkinsServiceType: "LoadBalancer" }),
                /^xpto-api:jenkinsServiceType is a setting of a stack whose xpto-api:role is jenkins; this one's is app$/],
            ["a pipeline secret on an app stack", app({}, { secrets: { pipelineProductionPulumiToken: secret("pipelineProductionPulumiToken") } }),
                /^xpto-api:pipelineProductionPulumiToken is a setting of a stack whose xpto-api:role is jenkins; this one's is app$/],
            ["an app setting on the Jenkins stack", jenkins({ replicas: "2" }),
                /^xpto-api:replicas is a setting of a stack whose xpto-api:role is app; this one's is jenkins$/],
            ["Jenkins without a repository", jenkins({ jenkinsRepositoryUrl: "" }),
                /^xpto-api:jenkinsRepositoryUrl is required: set it to the https URL of this repository on GitHub/],
            ["Jenkins building a repository outside GitHub", jenkins({ jenkinsRepositoryUrl: "git@gitlab.com:x/y.git" }),
                /^xpto-api:jenkinsRepositoryUrl is "git@gitlab.com:x\/y.git"; expected the https URL/],
            ["anonymous GitHub scans", jenkins({ jenkinsGitHubUsername: "" }, { secrets: { ...jenkinsSecrets(), jenkinsGitHubToken: undefined } }),
                /^xpto-api:jenkinsGitHubUsername is required: .*60 anonymous requests an hour/],
            ["a GitHub user without a token", jenkins({}, { secrets: { ...jenkinsSecrets(), jenkinsGitHubToken: undefined } }),
                /^xpto-api:jenkinsGitHubToken is required \(a GitHub token that can read the repository and its pull requests\): run `pulumi config set --secret jenkinsGitHubToken`$/],
            ["a lane without its Pulumi token", jenkins({}, { secrets: { ...jenkinsSecrets(), pipelinePreviewPulumiToken: undefined } }),
                /^xpto-api:pipelinePreviewPulumiToken is required on Pulumi Cloud \(a token that may only read the develop stack\)/],
            ["a deploying lane without its registry token", jenkins({}, { secrets: { ...jenkinsSecrets(), pipelineDevelopRegistryToken: undefined } }),
                /^xpto-api:pipelineDevelopRegistryToken is required \(the develop lane pushes its images with it\)/],
            ["an S3 backend without the lanes' keys and passphrases", jenkins({ pipelineBackendUrl: "s3://xpto-pulumi-state" }),
                /^xpto-api:pipelineProductionPassphrase is required with an S3 backend/],
            ["a backend the agent pods cannot be given credentials for", jenkins({ pipelineBackendUrl: "gs://xpto-state" }),
                /^xpto-api:pipelineBackendUrl is "gs:\/\/xpto-state"; expected .* gs:\/\/, azblob:\/\/ and file:\/\/ backends cannot be reached/],
            ["state in a pod that dies", jenkins({ pipelineBackendUrl: "file:///var/state" }), /^xpto-api:pipelineBackendUrl is "file:\/\/\/var\/state"/],
            ["Jenkins exposed some other way", jenkins({ jenkinsServiceType: "NodePort" }),
                /^xpto-api:jenkinsServiceType is "NodePort"; expected one of ClusterIP, LoadBalancer$/],
            ["an Ingress host that is not a host name", jenkins({ jenkinsIngressHost: "http://jenkins" }), /^xpto-api:jenkinsIngressHost is "http:\/\/jenkins"/],
            ["an app stack that does not say where its cluster's pods live", app({ podNetworkCidrs: "" }),
                /^xpto-api:podNetworkCidrs is required: set it to the cluster's pod network as IPv4 CIDRs/],
            ["a Jenkins stack that does not say where its cluster's pods live", jenkins({ podNetworkCidrs: "" }), /^xpto-api:podNetworkCidrs is required/],
            ["a pod network that is not a CIDR", app({ podNetworkCidrs: "10.244.0.0" }), /^xpto-api:podNetworkCidrs is "10\.244\.0\.0"; expected/],
            ["a pod network with a bad prefix", app({ podNetworkCidrs: "10.244.0.0/16,10.0.0.0/33" }), /^xpto-api:podNetworkCidrs is "10\.244\.0\.0\/16,10\.0\.0\.0\/33"/],
        ];
        for (const [what, input, message] of cases) {
            it(`rejects ${what}`, () => {
                const problems = problemsOf(input);
                assert.ok(problems.some((p) => message.test(p)), `no problem matches ${message}:\n${problems.join("\n")}`);
            });
        }

        it("a pod network of several CIDRs is read as a list, for both roles", () => {
            const cidrs = "10.244.0.0/16, 10.96.0.0/12";
            assert.deepStrictEqual(parseStackConfig(app({ podNetworkCidrs: cidrs })).podNetworkCidrs, ["10.244.0.0/16", "10.96.0.0/12"]);
            assert.deepStrictEqual(parseStackConfig(jenkins({ podNetworkCidrs: cidrs })).podNetworkCidrs, ["10.244.0.0/16", "10.96.0.0/12"]);
        });

        it("an S3 backend gives each lane its keys and one stack's passphrase: its own, develop's for previews, none for forks", () => {
            const config = parseStackConfig(jenkins({ pipelineBackendUrl: "s3://xpto-pulumi-state?endpoint=minio.xpto.example:9000&s3ForcePathStyle=true" },
                { secrets: jenkinsSecrets("s3") })).jenkins;
            assert.strictEqual(config?.backend.kind, "s3");
            assert.deepStrictEqual(Object.keys(config?.lanes.production?.passphrases ?? {}), ["production"]);
            assert.deepStrictEqual(Object.keys(config?.lanes.develop?.passphrases ?? {}), ["develop"]);
            assert.deepStrictEqual(Object.keys(config?.lanes.preview?.passphrases ?? {}), ["develop"], "production's state is read by its lane alone");
            assert.ok(config?.lanes.preview?.s3 && config.lanes.preview.pulumiToken === undefined);
            assert.strictEqual(config?.lanes.fork, undefined);
        });

        it("reports every problem at once, in one error message", () => {
            const input = app({ replicas: "0", serviceType: "Ingress", imageRepository: "" });
            assert.throws(() => parseStackConfig(input), (err: Error) => {
                assert.match(err.message, /^Invalid stack config:\n {2}- /);
                assert.match(err.message, /xpto-api:replicas/);
                assert.match(err.message, /xpto-api:serviceType/);
                assert.match(err.message, /xpto-api:imageRepository/);
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

        it("a Jenkins stack without its secrets fails before any resource is declared", async () => {
            await assert.rejects(runProgram("jenkins", { secretsFrom: "nowhere" }), (err: unknown) => {
                assert.ok(err instanceof ProgramFailure, String(err));
                assert.match(err.message, /xpto-api:jenkinsGitHubToken is required/);
                assert.deepStrictEqual(err.resources, []);
                return true;
            });
        });

        it("the image tag is Jenkins' GIT_COMMIT", async () => {
            const run = await runProgram("develop", { env: { GIT_COMMIT: "feedface".repeat(5) } });
            const image = run.resources.find((r) => r.type === "docker:index/image:Image");
            assert.strictEqual(image?.inputs.imageName, `docker.io/xpto/users-api-develop:${"feedface".repeat(5)}`);
        });
    });
});
