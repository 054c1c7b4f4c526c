import { execFileSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";

/** The Pulumi project name: every config key lives under `xpto-api:`. */
export const PROJECT = "xpto-api";

export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** MongoDB majors the StatefulSet knows how to probe (the shell changed in 6.0). */
export const MONGO_MAJORS = { min: 4, max: 8 } as const;
export const MAX_REPLICAS = 20;

export interface ComputeResources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

export interface StackConfig {
    stack: string;
    namespace: string;
    image: {
        /** `docker.io/<org>/<name>`, without tag. */
        repository: string;
        /** The git commit the image is built from. */
        tag: string;
        registryServer: string;
        username: string;
        token: pulumi.Output<string>;
    };
    api: {
        replicas: number;
        resources: ComputeResources;
        serviceType: ServiceType;
        database: string;
    };
    mongo: {
        image: string;
        majorVersion: number;
        storageSize: string;
        storageClass?: string;
        resources: ComputeResources;
    };
    jenkins: {
        /** Only the stack that owns Jenkins declares its Helm release. */
        owned: boolean;
        namespace: string;
        agentServiceAccount: string;
        /** The GitHub repository the multibranch job builds (https URL). */
        repositoryUrl: string;
        serviceType: JenkinsServiceType;
        /** When set, an Ingress exposes the controller on this host. */
        ingressHost?: string;
        storageSize: string;
        pulumiBackendUrl: string;
        pulumiAccessToken?: pulumi.Output<string>;
        pulumiConfigPassphrase?: pulumi.Output<string>;
        gitUsername?: string;
        gitToken?: pulumi.Output<string>;
    };
}

export const JENKINS_SERVICE_TYPES = ["ClusterIP", "LoadBalancer"] as const;
export type JenkinsServiceType = (typeof JENKINS_SERVICE_TYPES)[number];
export const PULUMI_CLOUD_URL = "https://api.pulumi.com";

/** Settings that are secrets: set with `pulumi config set --secret`, never in a stack file. */
export const SECRET_KEYS = ["dockerHubToken", "jenkinsPulumiAccessToken", "jenkinsPulumiConfigPassphrase", "jenkinsGitToken"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Every key a stack file may set, with its default (undefined: required or optional). */
export const CONFIG_DEFAULTS: Record<string, string | undefined> = {
    namespace: undefined, // the stack name
    imageRepository: undefined, // required
    imageTag: undefined, // GIT_COMMIT, then `git rev-parse HEAD`
    dockerHubUsername: undefined, // required
    dockerHubToken: undefined, // secret, or DOCKER_HUB_TOKEN
    replicas: "1",
    apiCpuRequest: "100m",
    apiMemoryRequest: "128Mi",
    apiCpuLimit: "500m",
    apiMemoryLimit: "256Mi",
    serviceType: "ClusterIP",
    apiDatabase: "restfulapi",
    mongoImage: "mongo:4.2",
    mongoStorageSize: "1Gi",
    mongoStorageClass: undefined, // the cluster's default class
    mongoCpuRequest: "250m",
    mongoMemoryRequest: "256Mi",
    mongoCpuLimit: "1",
    mongoMemoryLimit: "1Gi",
    ownsJenkins: "false",
    jenkinsNamespace: "jenkins",
    jenkinsAgentServiceAccount: "jenkins-agent",
    jenkinsRepositoryUrl: undefined, // required where ownsJenkins is true
    jenkinsServiceType: "ClusterIP",
    jenkinsIngressHost: undefined, // no Ingress
    jenkinsStorageSize: "8Gi",
    jenkinsPulumiBackendUrl: PULUMI_CLOUD_URL,
    jenkinsGitUsername: undefined, // public repository
    jenkinsPulumiAccessToken: undefined, // secret, with Pulumi Cloud
    jenkinsPulumiConfigPassphrase: undefined, // secret, with a self-managed backend
    jenkinsGitToken: undefined, // secret, with jenkinsGitUsername
};

/** What the parser reads; `loadStackConfig` fills it from Pulumi and the process. */
export interface RawStackConfig {
    stack: string;
    /** Plain values by key (without the project prefix). */
    values: Record<string, string | undefined>;
    /** Secret settings; the Docker Hub token may also come from the pipeline's environment. */
    secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
    /** The commit of the checkout, when it can be known (Jenkins' GIT_COMMIT or git). */
    gitCommit?: string;
}

export class StackConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "StackConfigError";
    }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DOCKER_HUB_REPOSITORY = /^docker\.io\/[a-z0-9]+(?:[._-][a-z0-9]+)*\/[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DOCKER_HUB_USER = /^[a-z0-9]{4,30}$/;
const MONGO_IMAGE = /^(?:[a-z0-9.-]+(?::[0-9]+)?\/)?(?:[a-z0-9._-]+\/)*mongo:([0-9]+)(?:\.[0-9]+){0,2}(?:-[A-Za-z0-9._-]+)?$/;
const MONGO_DATABASE = /^[A-Za-z0-9_-]{1,63}$/;
const GITHUB_REPOSITORY = /^https:\/\/github\.com\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+?(\.git)?$/;
const BACKEND_URL = /^(https:\/\/|s3:\/\/|gs:\/\/|azblob:\/\/|file:\/\/)\S+$/;
const HOST_NAME = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CPU = /^([0-9]+(?:\.[0-9]+)?)(m?)$/;
const MEMORY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_UNITS: Record<string, number> = {
    "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

function millicores(value: string): number | undefined {
    const m = CPU.exec(value);
    return m ? Number(m[1]) * (m[2] === "m" ? 1 : 1000) : undefined;
}

function bytes(value: string): number | undefined {
    const m = MEMORY.exec(value);
    return m ? Number(m[1]) * MEMORY_UNITS[m[2] ?? ""] : undefined;
}

/**
 * Validates the raw stack config and returns it typed. Collects every problem
 * before failing so an operator fixes the stack file in one pass; each problem
 * names the full key and what it accepts.
 */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
    const problems: string[] = [];
    const key = (name: string) => `${PROJECT}:${name}`;
    const value = (name: string): string | undefined => {
        const v = raw.values[name];
        return v === undefined || v === "" ? CONFIG_DEFAULTS[name] : v;
    };
    const fail = (name: string, expected: string): void => {
        const given = raw.values[name];
        problems.push(given === undefined || given === ""
            ? `${key(name)} is required: set it to ${expected}`
            : `${key(name)} is "${given}"; expected ${expected}`);
    };
    const matching = (name: string, pattern: RegExp, expected: string, fallback?: string): string => {
        const v = value(name) ?? fallback;
        if (v === undefined || !pattern.test(v)) {
            fail(name, expected);
            return "";
        }
        return v;
    };
    const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
        const v = value(name);
        if (!allowed.includes(v as T)) {
            fail(name, `one of ${allowed.join(", ")}`);
            return allowed[0];
        }
        return v as T;
    };
    const resources = (prefix: "api" | "mongo"): ComputeResources => {
        const cpu = (name: string) => matching(name, CPU, "a CPU quantity such as 250m or 1");
        const memory = (name: string) => matching(name, MEMORY, "a memory quantity such as 256Mi or 1Gi");
        const spec = {
            requests: { cpu: cpu(`${prefix}CpuRequest`), memory: memory(`${prefix}MemoryRequest`) },
            limits: { cpu: cpu(`${prefix}CpuLimit`), memory: memory(`${prefix}MemoryLimit`) },
        };
        const over = (request: number | undefined, limit: number | undefined) =>
            request !== undefined && limit !== undefined && request > limit;
        if (over(millicores(spec.requests.cpu), millicores(spec.limits.cpu))) {
            fail(`${prefix}CpuRequest`, `at most ${key(`${prefix}CpuLimit`)} (${spec.limits.cpu})`);
        }
        if (over(bytes(spec.requests.memory), bytes(spec.limits.memory))) {
            fail(`${prefix}MemoryRequest`, `at most ${key(`${prefix}MemoryLimit`)} (${spec.limits.memory})`);
        }
        return spec;
    };

    const unknown = Object.keys(raw.values).filter((k) => !(k in CONFIG_DEFAULTS));
    for (const k of unknown) {
        problems.push(`${key(k)} is not a known setting; known settings: ${Object.keys(CONFIG_DEFAULTS).join(", ")}`);
    }

    const namespace = matching("namespace", DNS_LABEL,
        "a DNS label: lowercase letters, digits and '-', at most 63 characters", raw.stack);
    const repository = matching("imageRepository", DOCKER_HUB_REPOSITORY,
        "a Docker Hub repository such as docker.io/<org>/<name>, without tag");
    const tag = matching("imageTag", IMAGE_TAG,
        "a Docker tag (the git commit); set it, or GIT_COMMIT, or run from a git checkout", raw.gitCommit);
    const username = matching("dockerHubUsername", DOCKER_HUB_USER,
        "a Docker Hub user name (4 to 30 lowercase letters or digits)");
    if (raw.secrets.dockerHubToken === undefined) {
        problems.push(`${key("dockerHubToken")} is required: run \`pulumi config set --secret dockerHubToken\` ` +
            "or export DOCKER_HUB_TOKEN");
    }

    const replicasText = value("replicas") ?? "";
    const replicas = Number(replicasText);
    if (!/^[0-9]+$/.test(replicasText) || replicas < 1 || replicas > MAX_REPLICAS) {
        fail("replicas", `a whole number from 1 to ${MAX_REPLICAS}`);
    }
    const apiResources = resources("api");
    const serviceType = oneOf("serviceType", SERVICE_TYPES);
    const database = matching("apiDatabase", MONGO_DATABASE, "a MongoDB database name (letters, digits, '_', '-')");

    const mongoImage = matching("mongoImage", MONGO_IMAGE,
        `a mongo image with a numeric version tag, such as mongo:4.2 (majors ${MONGO_MAJORS.min} to ${MONGO_MAJORS.max})`);
    const majorVersion = Number(MONGO_IMAGE.exec(mongoImage)?.[1] ?? MONGO_MAJORS.min);
    if (mongoImage !== "" && (majorVersion < MONGO_MAJORS.min || majorVersion > MONGO_MAJORS.max)) {
        fail("mongoImage", `a MongoDB major version from ${MONGO_MAJORS.min} to ${MONGO_MAJORS.max}`);
    }
    const storageSize = matching("mongoStorageSize", MEMORY, "a storage quantity such as 1Gi or 20Gi");
    const storageClass = value("mongoStorageClass");
    if (storageClass !== undefined && !DNS_SUBDOMAIN.test(storageClass)) {
        fail("mongoStorageClass", "the name of a StorageClass (a DNS subdomain), or unset for the cluster default");
    }
    const mongoResources = resources("mongo");

    const owned = oneOf("ownsJenkins", ["false", "true"] as const) === "true";
    const jenkinsNamespace = matching("jenkinsNamespace", DNS_LABEL, "a DNS label such as jenkins");
    if (jenkinsNamespace !== "" && jenkinsNamespace === namespace) {
        fail("jenkinsNamespace", `a namespace other than the app's (${namespace})`);
    }
    const agentServiceAccount = matching("jenkinsAgentServiceAccount", DNS_SUBDOMAIN,
        "a ServiceAccount name such as jenkins-agent");
    const jenkinsServiceType = oneOf("jenkinsServiceType", JENKINS_SERVICE_TYPES);
    const ingressHost = value("jenkinsIngressHost");
    if (ingressHost !== undefined && !HOST_NAME.test(ingressHost)) {
        fail("jenkinsIngressHost", "a DNS host name such as jenkins.xpto.example, or unset for no Ingress");
    }
    const jenkinsStorageSize = matching("jenkinsStorageSize", MEMORY, "a storage quantity such as 8Gi");
    const pulumiBackendUrl = matching("jenkinsPulumiBackendUrl", BACKEND_URL,
        `${PULUMI_CLOUD_URL} (Pulumi Cloud) or a self-managed backend URL (s3://, gs://, azblob://, file://)`);
    const gitUsername = value("jenkinsGitUsername");
    let repositoryUrl = value("jenkinsRepositoryUrl") ?? "";
    if (owned) {
        repositoryUrl = matching("jenkinsRepositoryUrl", GITHUB_REPOSITORY,
            "the https URL of this repository on GitHub, such as https://github.com/xpto/users-api");
        const onCloud = pulumiBackendUrl === PULUMI_CLOUD_URL;
        if (onCloud && raw.secrets.jenkinsPulumiAccessToken === undefined) {
            problems.push(`${key("jenkinsPulumiAccessToken")} is required where ${key("ownsJenkins")} is true and the ` +
                "backend is Pulumi Cloud: run `pulumi config set --secret jenkinsPulumiAccessToken`");
        }
        if (!onCloud && raw.secrets.jenkinsPulumiConfigPassphrase === undefined) {
            problems.push(`${key("jenkinsPulumiConfigPassphrase")} is required with a self-managed backend: ` +
                "run `pulumi config set --secret jenkinsPulumiConfigPassphrase`");
        }
        if ((gitUsername === undefined) !== (raw.secrets.jenkinsGitToken === undefined)) {
            problems.push(`${key("jenkinsGitUsername")} and ${key("jenkinsGitToken")} go together: set both ` +
                "for a private repository, or neither");
        }
    }

    const dockerHubToken = raw.secrets.dockerHubToken;
    if (problems.length > 0 || dockerHubToken === undefined) {
        throw new StackConfigError(problems);
    }
    return {
        stack: raw.stack,
        namespace,
        image: { repository, tag, registryServer: "docker.io", username, token: dockerHubToken },
        api: { replicas, resources: apiResources, serviceType, database },
        mongo: { image: mongoImage, majorVersion, storageSize, storageClass, resources: mongoResources },
        jenkins: {
            owned,
            namespace: jenkinsNamespace,
            agentServiceAccount,
            repositoryUrl,
            serviceType: jenkinsServiceType,
            ingressHost,
            storageSize: jenkinsStorageSize,
            pulumiBackendUrl,
            pulumiAccessToken: raw.secrets.jenkinsPulumiAccessToken,
            pulumiConfigPassphrase: raw.secrets.jenkinsPulumiConfigPassphrase,
            gitUsername,
            gitToken: raw.secrets.jenkinsGitToken,
        },
    };
}

function currentGitCommit(): string | undefined {
    if (process.env.GIT_COMMIT) {
        return process.env.GIT_COMMIT;
    }
    try {
        return execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
        return undefined;
    }
}

/** Reads this stack's config from Pulumi and the environment, and validates it. */
export function loadStackConfig(): StackConfig {
    const prefix = `${PROJECT}:`;
    const values: Record<string, string | undefined> = {};
    for (const [fullKey, v] of Object.entries(pulumi.runtime.allConfig())) {
        const name = fullKey.slice(prefix.length);
        if (fullKey.startsWith(prefix) && !(SECRET_KEYS as readonly string[]).includes(name)) {
            values[name] = v;
        }
    }
    const config = new pulumi.Config(PROJECT);
    const secrets: RawStackConfig["secrets"] = {};
    for (const name of SECRET_KEYS) {
        const secret = config.getSecret(name);
        if (secret !== undefined) secrets[name] = secret;
    }
    // The pipeline passes the token through its environment (a Jenkins credential).
    const envToken = process.env.DOCKER_HUB_TOKEN;
    if (secrets.dockerHubToken === undefined && envToken) {
        secrets.dockerHubToken = pulumi.secret(envToken);
    }
    return parseStackConfig({ stack: pulumi.getStack(), values, secrets, gitCommit: currentGitCommit() });
}
