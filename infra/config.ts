import { execFileSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";

/** The Pulumi project name: every config key lives under `xpto-api:`. */
export const PROJECT = "xpto-api";

export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
export const JENKINS_SERVICE_TYPES = ["ClusterIP", "LoadBalancer"] as const;
export type JenkinsServiceType = (typeof JENKINS_SERVICE_TYPES)[number];
export const PULUMI_CLOUD_URL = "https://api.pulumi.com";
export const DOCKER_HUB = "docker.io";

/** MongoDB majors the StatefulSet knows how to probe (the shell changed in 6.0). */
export const MONGO_MAJORS = { min: 4, max: 8 } as const;
export const MAX_REPLICAS = 20;

/**
 * Every key a stack may set, with its default (undefined: required, optional
 * or derived, as the comment says). `keyof` this table types every lookup, so
 * a misspelt key does not compile.
 */
export const CONFIG_DEFAULTS = {
    namespace: undefined, // the stack name
    protectData: "false", // true in production: the namespace and MongoDB's data survive destroy and renames
    // image
    imageRepository: undefined, // required: [registry host[:port]/]<path>/<name>, Docker Hub by default
    imageTag: undefined, // GIT_COMMIT, then `git rev-parse HEAD`
    apiImageDigest: undefined, // rollback: deploy <imageRepository>@<digest> without building
    imageRepositoryPrivate: "false", // true: the API's pods pull with an image pull Secret
    registryUsername: undefined, // required
    registryToken: undefined, // secret, or REGISTRY_TOKEN
    // api
    replicas: "1",
    apiCpuRequest: "100m",
    apiMemoryRequest: "128Mi",
    apiCpuLimit: "500m",
    apiMemoryLimit: "256Mi",
    serviceType: "ClusterIP",
    apiDatabase: "restfulapi",
    // mongo
    mongoImage: "mongo:4.2",
    mongoStorageSize: "1Gi",
    mongoStorageClass: undefined, // the cluster's default class
    mongoCpuRequest: "250m",
    mongoMemoryRequest: "256Mi",
    mongoCpuLimit: "1",
    mongoMemoryLimit: "1Gi",
    // jenkins
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
} as const satisfies Record<string, string | undefined>;

export type ConfigKey = keyof typeof CONFIG_DEFAULTS;

/** Settings that are secrets: set with `pulumi config set --secret`, never in plain text. */
export const SECRET_KEYS = [
    "registryToken", "jenkinsPulumiAccessToken", "jenkinsPulumiConfigPassphrase", "jenkinsGitToken",
] as const satisfies readonly ConfigKey[];
export type SecretKey = (typeof SECRET_KEYS)[number];

export interface ComputeResources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

export interface ImageConfig {
    /** `<registry host>/<path>`, without tag; Docker Hub's host is `docker.io`. */
    repository: string;
    /** The registry the repository lives in: its host[:port], `docker.io` for Docker Hub. */
    registryServer: string;
    /** The git commit the image is built from. */
    tag: string;
    /** Set for a rollback: deploy this existing image (`sha256:…`) instead of building one. */
    digest?: string;
    /** The API's pods pull with an image pull Secret made from the registry credentials. */
    private: boolean;
    username: string;
    /** Absent only in a preview without registry credentials: previews never push. */
    token?: pulumi.Output<string>;
}

export interface StackConfig {
    stack: string;
    namespace: string;
    protectData: boolean;
    image: ImageConfig;
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

/** What the parser reads; `loadStackConfig` fills it from Pulumi and the process. */
export interface RawStackConfig {
    stack: string;
    /** Plain values by key (without the project prefix); unknown keys are reported. */
    values: Record<string, string | undefined>;
    /** Secret settings; the registry token may also come from the pipeline's environment. */
    secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
    /** The commit of the checkout, when it can be known (Jenkins' GIT_COMMIT or git). */
    gitCommit?: string;
    /** `pulumi preview`: nothing is pushed, so registry credentials are optional. */
    dryRun?: boolean;
}

export class StackConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "StackConfigError";
    }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A registry host as Docker reads the first path component: it has a dot or a port, or is localhost. */
const REGISTRY_HOST = /^(?:localhost|(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?=:))(?::[0-9]{1,5})?$/;
/** One path component of a repository name, as the OCI distribution spec allows it. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;
const DOCKER_HUB_USER = /^[a-z0-9]{4,30}$/;
const REGISTRY_USER = /^[^\s:]{1,255}$/;
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
const BOOLEANS = ["false", "true"] as const;

function millicores(value: string): number | undefined {
    const m = CPU.exec(value);
    return m ? Number(m[1]) * (m[2] === "m" ? 1 : 1000) : undefined;
}

/** A Kubernetes memory quantity in bytes. */
export function bytes(value: string): number | undefined {
    const m = MEMORY.exec(value);
    return m ? Number(m[1]) * MEMORY_UNITS[m[2] ?? ""] : undefined;
}

/** `[host[:port]/]path`: the registry host and the path, Docker Hub when the first component is no host. */
export function splitRepository(repository: string): { host: string; path: string } {
    const [first, ...rest] = repository.split("/");
    return rest.length > 0 && REGISTRY_HOST.test(first)
        ? { host: first, path: rest.join("/") }
        : { host: DOCKER_HUB, path: repository };
}

/**
 * Reads raw values and collects every problem, each naming the full key and
 * what it accepts, so an operator fixes the stack file in one pass.
 */
class ConfigReader {
    readonly problems: string[] = [];

    constructor(readonly raw: RawStackConfig) {
        for (const k of Object.keys(raw.values).filter((k) => !(k in CONFIG_DEFAULTS))) {
            this.problems.push(`${fullKey(k)} is not a known setting; known settings: ${Object.keys(CONFIG_DEFAULTS).join(", ")}`);
        }
    }

    value(name: ConfigKey): string | undefined {
        const v = this.raw.values[name];
        return v === undefined || v === "" ? CONFIG_DEFAULTS[name] : v;
    }

    given(name: ConfigKey): boolean {
        const v = this.raw.values[name];
        return v !== undefined && v !== "";
    }

    fail(name: ConfigKey, expected: string): void {
        const given = this.raw.values[name];
        this.problems.push(given === undefined || given === ""
            ? `${fullKey(name)} is required: set it to ${expected}`
            : `${fullKey(name)} is "${given}"; expected ${expected}`);
    }

    problem(text: string): void {
        this.problems.push(text);
    }

    matching(name: ConfigKey, pattern: RegExp, expected: string, fallback?: string): string {
        const v = this.value(name) ?? fallback;
        if (v === undefined || !pattern.test(v)) {
            this.fail(name, expected);
            return "";
        }
        return v;
    }

    optional(name: ConfigKey, pattern: RegExp, expected: string): string | undefined {
        const v = this.value(name);
        if (v !== undefined && !pattern.test(v)) this.fail(name, expected);
        return v;
    }

    oneOf<T extends string>(name: ConfigKey, allowed: readonly T[]): T {
        const v = this.value(name);
        if (!allowed.includes(v as T)) {
            this.fail(name, `one of ${allowed.join(", ")}`);
            return allowed[0];
        }
        return v as T;
    }

    flag(name: ConfigKey): boolean {
        return this.oneOf(name, BOOLEANS) === "true";
    }

    resources(prefix: "api" | "mongo"): ComputeResources {
        const cpu = (name: ConfigKey) => this.matching(name, CPU, "a CPU quantity such as 250m or 1");
        const memory = (name: ConfigKey) => this.matching(name, MEMORY, "a memory quantity such as 256Mi or 1Gi");
        const spec = {
            requests: { cpu: cpu(`${prefix}CpuRequest`), memory: memory(`${prefix}MemoryRequest`) },
            limits: { cpu: cpu(`${prefix}CpuLimit`), memory: memory(`${prefix}MemoryLimit`) },
        };
        const over = (request: number | undefined, limit: number | undefined) =>
            request !== undefined && limit !== undefined && request > limit;
        if (over(millicores(spec.requests.cpu), millicores(spec.limits.cpu))) {
            this.fail(`${prefix}CpuRequest`, `at most ${fullKey(`${prefix}CpuLimit`)} (${spec.limits.cpu})`);
        }
        if (over(bytes(spec.requests.memory), bytes(spec.limits.memory))) {
            this.fail(`${prefix}MemoryRequest`, `at most ${fullKey(`${prefix}MemoryLimit`)} (${spec.limits.memory})`);
        }
        return spec;
    }
}

function fullKey(name: string): string {
    return `${PROJECT}:${name}`;
}

function parseImage(r: ConfigReader): ImageConfig {
    const given = r.value("imageRepository");
    let repository = "";
    let registryServer = DOCKER_HUB;
    if (given === undefined) {
        r.fail("imageRepository", "a repository such as docker.io/<org>/<name> or <registry host[:port]>/<path>/<name>, without tag");
    } else {
        const { host, path } = splitRepository(given);
        const components = path.split("/");
        // Docker Hub names a repository <org>/<name>; a bare name would be an official `library/` image.
        const minimum = host === DOCKER_HUB ? 2 : 1;
        if (components.length < minimum || !components.every((c) => PATH_COMPONENT.test(c))) {
            r.fail("imageRepository", "a repository such as docker.io/<org>/<name> or <registry host[:port]>/<path>/<name>, " +
                "lowercase, without tag or digest");
        } else {
            repository = `${host}/${path}`;
            registryServer = host;
        }
    }
    const digest = r.optional("apiImageDigest", IMAGE_DIGEST,
        "an image digest such as sha256:<64 hex digits> (`pulumi stack output imageDigest` of an earlier deploy), or unset to build");
    // A rollback deploys an image that exists: its commit no longer matters.
    const tag = digest === undefined
        ? r.matching("imageTag", IMAGE_TAG,
            "a Docker tag (the git commit); set it, or GIT_COMMIT, or run from a git checkout", r.raw.gitCommit)
        : r.optional("imageTag", IMAGE_TAG, "a Docker tag") ?? r.raw.gitCommit ?? "rollback";
    const isPrivate = r.flag("imageRepositoryPrivate");
    const username = registryServer === DOCKER_HUB
        ? r.matching("registryUsername", DOCKER_HUB_USER, "a Docker Hub user name (4 to 30 lowercase letters or digits)")
        : r.matching("registryUsername", REGISTRY_USER, `the user name that logs in to ${registryServer}`);
    const token = r.raw.secrets.registryToken;
    // A deploy pushes (unless it rolls back) and a private repository needs a pull Secret; a preview does neither.
    const tokenNeeded = !r.raw.dryRun && (digest === undefined || isPrivate);
    if (token === undefined && tokenNeeded) {
        r.problem(`${fullKey("registryToken")} is required: run \`pulumi config set --secret registryToken\` ` +
            "or export REGISTRY_TOKEN");
    }
    return { repository, registryServer, tag, digest, private: isPrivate, username, token };
}

function parseApi(r: ConfigReader): StackConfig["api"] {
    const replicasText = r.value("replicas") ?? "";
    const replicas = Number(replicasText);
    if (!/^[0-9]+$/.test(replicasText) || replicas < 1 || replicas > MAX_REPLICAS) {
        r.fail("replicas", `a whole number from 1 to ${MAX_REPLICAS}`);
    }
    return {
        replicas,
        resources: r.resources("api"),
        serviceType: r.oneOf("serviceType", SERVICE_TYPES),
        database: r.matching("apiDatabase", MONGO_DATABASE, "a MongoDB database name (letters, digits, '_', '-')"),
    };
}

function parseMongo(r: ConfigReader): StackConfig["mongo"] {
    const image = r.matching("mongoImage", MONGO_IMAGE,
        `a mongo image with a numeric version tag, such as mongo:4.2 (majors ${MONGO_MAJORS.min} to ${MONGO_MAJORS.max})`);
    const majorVersion = Number(MONGO_IMAGE.exec(image)?.[1] ?? MONGO_MAJORS.min);
    if (image !== "" && (majorVersion < MONGO_MAJORS.min || majorVersion > MONGO_MAJORS.max)) {
        r.fail("mongoImage", `a MongoDB major version from ${MONGO_MAJORS.min} to ${MONGO_MAJORS.max}`);
    }
    return {
        image,
        majorVersion,
        storageSize: r.matching("mongoStorageSize", MEMORY, "a storage quantity such as 1Gi or 20Gi"),
        storageClass: r.optional("mongoStorageClass", DNS_SUBDOMAIN,
            "the name of a StorageClass (a DNS subdomain), or unset for the cluster default"),
        resources: r.resources("mongo"),
    };
}

function parseJenkins(r: ConfigReader, appNamespace: string): StackConfig["jenkins"] {
    const owned = r.flag("ownsJenkins");
    const namespace = r.matching("jenkinsNamespace", DNS_LABEL, "a DNS label such as jenkins");
    if (namespace !== "" && namespace === appNamespace) {
        r.fail("jenkinsNamespace", `a namespace other than the app's (${appNamespace})`);
    }
    const agentServiceAccount = r.matching("jenkinsAgentServiceAccount", DNS_SUBDOMAIN,
        "a ServiceAccount name such as jenkins-agent");
    const serviceType = r.oneOf("jenkinsServiceType", JENKINS_SERVICE_TYPES);
    const ingressHost = r.optional("jenkinsIngressHost", HOST_NAME,
        "a DNS host name such as jenkins.xpto.example, or unset for no Ingress");
    const storageSize = r.matching("jenkinsStorageSize", MEMORY, "a storage quantity such as 8Gi");
    const pulumiBackendUrl = r.matching("jenkinsPulumiBackendUrl", BACKEND_URL,
        `${PULUMI_CLOUD_URL} (Pulumi Cloud) or a self-managed backend URL (s3://, gs://, azblob://, file://)`);
    const gitUsername = r.value("jenkinsGitUsername");
    const secrets = r.raw.secrets;
    let repositoryUrl = r.value("jenkinsRepositoryUrl") ?? "";
    if (owned) {
        repositoryUrl = r.matching("jenkinsRepositoryUrl", GITHUB_REPOSITORY,
            "the https URL of this repository on GitHub, such as https://github.com/xpto/users-api");
        const onCloud = pulumiBackendUrl === PULUMI_CLOUD_URL;
        if (onCloud && secrets.jenkinsPulumiAccessToken === undefined) {
            r.problem(`${fullKey("jenkinsPulumiAccessToken")} is required where ${fullKey("ownsJenkins")} is true and the ` +
                "backend is Pulumi Cloud: run `pulumi config set --secret jenkinsPulumiAccessToken`");
        }
        if (!onCloud && secrets.jenkinsPulumiConfigPassphrase === undefined) {
            r.problem(`${fullKey("jenkinsPulumiConfigPassphrase")} is required with a self-managed backend: ` +
                "run `pulumi config set --secret jenkinsPulumiConfigPassphrase`");
        }
        if ((gitUsername === undefined) !== (secrets.jenkinsGitToken === undefined)) {
            r.problem(`${fullKey("jenkinsGitUsername")} and ${fullKey("jenkinsGitToken")} go together: set both ` +
                "for a private repository, or neither");
        }
    }
    return {
        owned,
        namespace,
        agentServiceAccount,
        repositoryUrl,
        serviceType,
        ingressHost,
        storageSize,
        pulumiBackendUrl,
        pulumiAccessToken: secrets.jenkinsPulumiAccessToken,
        pulumiConfigPassphrase: secrets.jenkinsPulumiConfigPassphrase,
        gitUsername,
        gitToken: secrets.jenkinsGitToken,
    };
}

/** Validates the raw stack config and returns it typed, or throws every problem at once. */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
    const r = new ConfigReader(raw);
    const namespace = r.matching("namespace", DNS_LABEL,
        "a DNS label: lowercase letters, digits and '-', at most 63 characters", raw.stack);
    const config: StackConfig = {
        stack: raw.stack,
        namespace,
        protectData: r.flag("protectData"),
        image: parseImage(r),
        api: parseApi(r),
        mongo: parseMongo(r),
        jenkins: parseJenkins(r, namespace),
    };
    if (r.problems.length > 0) {
        throw new StackConfigError(r.problems);
    }
    return config;
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
    for (const [key, v] of Object.entries(pulumi.runtime.allConfig())) {
        const name = key.slice(prefix.length);
        if (key.startsWith(prefix) && !(SECRET_KEYS as readonly string[]).includes(name)) {
            values[name] = v;
        }
    }
    const config = new pulumi.Config(PROJECT);
    const secrets: RawStackConfig["secrets"] = {};
    for (const name of SECRET_KEYS) {
        const secret = config.getSecret(name);
        if (secret !== undefined) secrets[name] = secret;
    }
    // The pipeline passes the registry token through its environment (a Jenkins credential).
    const envToken = process.env.REGISTRY_TOKEN;
    if (secrets.registryToken === undefined && envToken) {
        secrets.registryToken = pulumi.secret(envToken);
    }
    return parseStackConfig({
        stack: pulumi.getStack(), values, secrets, gitCommit: currentGitCommit(), dryRun: pulumi.runtime.isDryRun(),
    });
}
