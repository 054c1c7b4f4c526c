import { execFileSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_LANES, type DeployLane, type Lane, LAUNCHED_LANES, PREVIEWED_LANE } from "./pipeline";

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

export const ROLES = ["app", "jenkins"] as const;
export type Role = (typeof ROLES)[number];

/**
 * Every key a stack may set, with its default (undefined: required, optional
 * or derived, as the comment says). `keyof` this table types every lookup, so
 * a misspelt key does not compile.
 */
export const CONFIG_DEFAULTS = {
    role: "app", // app: the API and MongoDB; jenkins: Jenkins and the pipeline's identities
    jenkinsNamespace: "jenkins", // Jenkins' namespace; its lanes' agents run in <it>-agents-<lane>
    podNetworkCidrs: undefined, // required: the cluster's pod network (IPv4 CIDRs, comma-separated), for NetworkPolicies
    // app: namespace and data
    namespace: undefined, // the stack name
    protectData: "false", // true in production: the namespace and MongoDB's data survive destroy and renames
    deployLane: undefined, // the pipeline lane that deploys this stack: the stack name when it is develop or production
    // app: image
    imageRepository: undefined, // required: [registry host[:port]/]<path>/<name>, Docker Hub by default
    imageTag: undefined, // GIT_COMMIT, then `git rev-parse HEAD`
    apiImageDigest: undefined, // rollback: deploy <imageRepository>@<digest> without building
    imageRepositoryPrivate: "false", // true: the API's pods pull with an image pull Secret
    registryUsername: undefined, // required with a private repository
    registryPullToken: undefined, // secret, required with a private repository (read-only is enough)
    // app: api
    replicas: "1",
    apiCpuRequest: "100m",
    apiMemoryRequest: "128Mi",
    apiCpuLimit: "500m",
    apiMemoryLimit: "256Mi",
    serviceType: "ClusterIP",
    apiDatabase: "restfulapi",
    // app: mongo
    mongoImage: "mongo:4.2",
    mongoStorageSize: "1Gi",
    mongoStorageClass: undefined, // the cluster's default class
    mongoCpuRequest: "250m",
    mongoMemoryRequest: "256Mi",
    mongoCpuLimit: "1",
    mongoMemoryLimit: "1Gi",
    // jenkins: the controller
    jenkinsRepositoryUrl: undefined, // required: https://github.com/<owner>/<repo>
    jenkinsGitHubUsername: undefined, // required: the user of jenkinsGitHubToken
    jenkinsGitHubToken: undefined, // secret, required: scans and checkouts (never anonymous)
    jenkinsServiceType: "ClusterIP",
    jenkinsIngressHost: undefined, // no Ingress
    jenkinsStorageSize: "8Gi",
    // jenkins: what each lane's pods receive
    pipelineBackendUrl: PULUMI_CLOUD_URL, // Pulumi Cloud, or s3://<bucket>[?endpoint=…] (S3-compatible)
    pipelineRegistryServer: DOCKER_HUB, // the registry the deploying lanes push to
    pipelineProductionPulumiToken: undefined, // secret, Pulumi Cloud: may update the production stack only
    pipelineDevelopPulumiToken: undefined, // secret, Pulumi Cloud: may update the develop stack only
    pipelinePreviewPulumiToken: undefined, // secret, Pulumi Cloud: may read (preview) the develop stack, nothing more
    pipelineProductionPassphrase: undefined, // secret, S3: the production stack's secrets passphrase
    pipelineDevelopPassphrase: undefined, // secret, S3: the develop stack's secrets passphrase
    pipelineProductionS3AccessKeyId: undefined, // secret, S3: production lane's keys
    pipelineProductionS3SecretAccessKey: undefined, // secret
    pipelineDevelopS3AccessKeyId: undefined, // secret, S3: develop lane's keys
    pipelineDevelopS3SecretAccessKey: undefined, // secret
    pipelinePreviewS3AccessKeyId: undefined, // secret, S3: preview lane's keys (read develop's state, and its lock prefix)
    pipelinePreviewS3SecretAccessKey: undefined, // secret
    pipelineProductionRegistryUsername: undefined, // required: pushes production images
    pipelineProductionRegistryToken: undefined, // secret, required
    pipelineDevelopRegistryUsername: undefined, // required: pushes develop images
    pipelineDevelopRegistryToken: undefined, // secret, required
} as const satisfies Record<string, string | undefined>;

export type ConfigKey = keyof typeof CONFIG_DEFAULTS;

/** Settings that are secrets: set with `pulumi config set --secret`, never in plain text. */
export const SECRET_KEYS = [
    "registryPullToken", "jenkinsGitHubToken",
    "pipelineProductionPulumiToken", "pipelineDevelopPulumiToken", "pipelinePreviewPulumiToken",
    "pipelineProductionPassphrase", "pipelineDevelopPassphrase",
    "pipelineProductionS3AccessKeyId", "pipelineProductionS3SecretAccessKey",
    "pipelineDevelopS3AccessKeyId", "pipelineDevelopS3SecretAccessKey",
    "pipelinePreviewS3AccessKeyId", "pipelinePreviewS3SecretAccessKey",
    "pipelineProductionRegistryToken", "pipelineDevelopRegistryToken",
] as const satisfies readonly ConfigKey[];
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Keys that only a stack of that role reads; setting one elsewhere is a mistake worth naming. */
function roleOfKey(key: string): Role | undefined {
    if (key === "role" || key === "jenkinsNamespace" || key === "podNetworkCidrs") return undefined;
    return key.startsWith("jenkins") || key.startsWith("pipeline") ? "jenkins" : "app";
}

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
    /** With a private repository, the API's pods pull with these (an image pull Secret). */
    pull?: { username: string; token?: pulumi.Output<string> };
}

export interface AppConfig {
    namespace: string;
    protectData: boolean;
    /** The pipeline lane whose deployer may update this stack. */
    deployLane: DeployLane;
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
}

export type BackendKind = "pulumi-cloud" | "s3";

/** What one lane's agent pods receive; the preview lane never gets registry credentials, the fork lane nothing. */
export interface LaneSecrets {
    /** Pulumi Cloud token of the lane (Pulumi Cloud backend). */
    pulumiToken?: pulumi.Output<string>;
    /** S3 keys of the lane (S3 backend). */
    s3?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
    /** The passphrase of the one stack the lane reads, by stack (S3 backend). */
    passphrases?: Partial<Record<DeployLane, pulumi.Output<string>>>;
    registry?: { username: string; token: pulumi.Output<string> };
}

export interface JenkinsConfig {
    /** The GitHub repository the jobs build (https URL). */
    repositoryUrl: string;
    gitHub: { username: string; token: pulumi.Output<string> };
    serviceType: JenkinsServiceType;
    /** When set, an Ingress exposes the controller on this host. */
    ingressHost?: string;
    storageSize: string;
    backend: { kind: BackendKind; url: string };
    registryServer: string;
    /** By lane; the fork lane has none. */
    lanes: Partial<Record<Lane, LaneSecrets>>;
}

export interface StackConfig {
    stack: string;
    role: Role;
    jenkinsNamespace: string;
    /** The cluster's pod network: NetworkPolicies tell pods from the world outside the cluster by it. */
    podNetworkCidrs: string[];
    /** Present on an app stack. */
    app?: AppConfig;
    /** Present on the Jenkins stack. */
    jenkins?: JenkinsConfig;
}

/** What the parser reads; `loadStackConfig` fills it from Pulumi and the process. */
export interface RawStackConfig {
    stack: string;
    /** Plain values by key (without the project prefix); unknown keys are reported. */
    values: Record<string, string | undefined>;
    /** Secret settings. */
    secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
    /** The commit of the checkout, when it can be known (Jenkins' GIT_COMMIT or git). */
    gitCommit?: string;
    /** `pulumi preview`: nothing is pulled from the cluster, so a pull token is optional. */
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
const S3_BACKEND = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:\/[^\s?]*)?(?:\?\S*)?$/;
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(?::[0-9]+)?\/?$/;
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

    oneOf<T extends string>(name: ConfigKey, allowed: readonly T[], fallback?: T): T {
        const v = this.value(name) ?? fallback;
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
    const expected = "a repository such as docker.io/<org>/<name> or <registry host[:port]>/<path>/<name>";
    if (given === undefined) {
        r.fail("imageRepository", `${expected}, without tag`);
    } else {
        const { host, path } = splitRepository(given);
        const components = path.split("/");
        // Docker Hub names a repository <org>/<name>; a bare name would be an official `library/` image.
        const minimum = host === DOCKER_HUB ? 2 : 1;
        if (components.length < minimum || !components.every((c) => PATH_COMPONENT.test(c))) {
            r.fail("imageRepository", `${expected}, lowercase, without tag or digest`);
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
    let pull: ImageConfig["pull"];
    if (r.flag("imageRepositoryPrivate")) {
        const username = registryServer === DOCKER_HUB
            ? r.matching("registryUsername", DOCKER_HUB_USER, "a Docker Hub user name (4 to 30 lowercase letters or digits)")
            : r.matching("registryUsername", REGISTRY_USER, `the user name that logs in to ${registryServer}`);
        const token = r.raw.secrets.registryPullToken;
        // A preview declares the pull Secret without it; nothing pulls during a preview.
        if (token === undefined && !r.raw.dryRun) {
            r.problem(`${fullKey("registryPullToken")} is required with a private repository: ` +
                "run `pulumi config set --secret registryPullToken` (a read-only token is enough)");
        }
        pull = { username, token };
    }
    return { repository, registryServer, tag, digest, pull };
}

function parseApi(r: ConfigReader): AppConfig["api"] {
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

function parseMongo(r: ConfigReader): AppConfig["mongo"] {
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

function parseApp(r: ConfigReader, jenkinsNamespace: string): AppConfig {
    const namespace = r.matching("namespace", DNS_LABEL,
        "a DNS label: lowercase letters, digits and '-', at most 63 characters", r.raw.stack);
    if (namespace !== "" && namespace === jenkinsNamespace) {
        r.fail("namespace", `a namespace other than Jenkins' (${jenkinsNamespace})`);
    }
    const byStack = DEPLOY_LANES.find((lane) => lane === r.raw.stack);
    const deployLane = r.oneOf("deployLane", DEPLOY_LANES, byStack);
    return {
        namespace,
        protectData: r.flag("protectData"),
        deployLane,
        image: parseImage(r),
        api: parseApi(r),
        mongo: parseMongo(r),
    };
}

/** A secret setting that must be there, with the command that sets it. */
function requiredSecret(r: ConfigReader, name: SecretKey, why: string): pulumi.Output<string> {
    const secret = r.raw.secrets[name];
    if (secret === undefined) {
        r.problem(`${fullKey(name)} is required ${why}: run \`pulumi config set --secret ${name}\``);
        return pulumi.secret("");
    }
    return secret;
}

const IPV4_CIDR = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/;

/** `podNetworkCidrs`: one or more IPv4 CIDRs, comma-separated. */
function parseCidrs(r: ConfigReader): string[] {
    const given = r.value("podNetworkCidrs");
    const cidrs = (given ?? "").split(",").map((c) => c.trim()).filter((c) => c !== "");
    if (cidrs.length === 0 || !cidrs.every((c) => IPV4_CIDR.test(c))) {
        r.fail("podNetworkCidrs", "the cluster's pod network as IPv4 CIDRs, comma-separated, such as 10.244.0.0/16 " +
            "(kubectl get nodes -o jsonpath='{.items[*].spec.podCIDR}' shows each node's share of it)");
        return [];
    }
    return cidrs;
}

function parseBackend(r: ConfigReader): JenkinsConfig["backend"] {
    const url = r.value("pipelineBackendUrl") ?? PULUMI_CLOUD_URL;
    if (url === PULUMI_CLOUD_URL || HTTPS_URL.test(url)) return { kind: "pulumi-cloud", url };
    if (S3_BACKEND.test(url)) return { kind: "s3", url };
    r.fail("pipelineBackendUrl", `${PULUMI_CLOUD_URL} (or a self-hosted Pulumi Cloud's https URL), or s3://<bucket>` +
        "[?endpoint=<host:port>&s3ForcePathStyle=true] for an S3-compatible store whose keys the lanes receive; " +
        "gs://, azblob:// and file:// backends cannot be reached from the agent pods with per-lane credentials");
    return { kind: "pulumi-cloud", url };
}

function parseLanes(r: ConfigReader, kind: BackendKind): Partial<Record<Lane, LaneSecrets>> {
    const lanes: Partial<Record<Lane, LaneSecrets>> = {};
    const capitalized = (lane: Lane) => lane[0].toUpperCase() + lane.slice(1) as "Production" | "Develop" | "Preview";
    const passphrases: Partial<Record<DeployLane, pulumi.Output<string>>> = {};
    if (kind === "s3") {
        for (const lane of DEPLOY_LANES) {
            passphrases[lane] = requiredSecret(r, `pipeline${capitalized(lane) as "Production" | "Develop"}Passphrase`,
                `with an S3 backend (the ${lane} stack's secrets passphrase)`);
        }
    }
    // The fork lane gets nothing: its builds install and test, with no credential at all.
    for (const lane of LAUNCHED_LANES) {
        const name = capitalized(lane);
        const secrets: LaneSecrets = {};
        if (kind === "pulumi-cloud") {
            secrets.pulumiToken = requiredSecret(r, `pipeline${name}PulumiToken`,
                lane === "preview" ? `on Pulumi Cloud (a token that may only read the ${PREVIEWED_LANE} stack)`
                    : `on Pulumi Cloud (a token that may update the ${lane} stack and nothing else)`);
        } else {
            secrets.s3 = {
                accessKeyId: requiredSecret(r, `pipeline${name}S3AccessKeyId`, `with an S3 backend (the ${lane} lane's key)`),
                secretAccessKey: requiredSecret(r, `pipeline${name}S3SecretAccessKey`, `with an S3 backend (the ${lane} lane's key)`),
            };
            // Each lane holds one stack's passphrase: a deploying lane its own, previews develop's (never production's).
            const stack = lane === "preview" ? PREVIEWED_LANE : lane;
            secrets.passphrases = { [stack]: passphrases[stack] };
        }
        if (lane !== "preview") {
            const deploy = name as "Production" | "Develop";
            secrets.registry = {
                username: r.matching(`pipeline${deploy}RegistryUsername`, REGISTRY_USER,
                    `the registry user that pushes ${lane} images`),
                token: requiredSecret(r, `pipeline${deploy}RegistryToken`, `(the ${lane} lane pushes its images with it)`),
            };
        }
        lanes[lane] = secrets;
    }
    return lanes;
}

function parseJenkins(r: ConfigReader): JenkinsConfig {
    const backend = parseBackend(r);
    return {
        repositoryUrl: r.matching("jenkinsRepositoryUrl", GITHUB_REPOSITORY,
            "the https URL of this repository on GitHub, such as https://github.com/xpto/users-api"),
        gitHub: {
            username: r.matching("jenkinsGitHubUsername", REGISTRY_USER,
                "the GitHub user of jenkinsGitHubToken (scans are never anonymous: GitHub allows 60 anonymous requests an hour)"),
            token: requiredSecret(r, "jenkinsGitHubToken", "(a GitHub token that can read the repository and its pull requests)"),
        },
        serviceType: r.oneOf("jenkinsServiceType", JENKINS_SERVICE_TYPES),
        ingressHost: r.optional("jenkinsIngressHost", HOST_NAME, "a DNS host name such as jenkins.xpto.example, or unset for no Ingress"),
        storageSize: r.matching("jenkinsStorageSize", MEMORY, "a storage quantity such as 8Gi"),
        backend,
        registryServer: r.matching("pipelineRegistryServer", REGISTRY_HOST, "a registry host[:port] such as docker.io or ghcr.io"),
        lanes: parseLanes(r, backend.kind),
    };
}

/** Validates the raw stack config and returns it typed, or throws every problem at once. */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
    const r = new ConfigReader(raw);
    const role = r.oneOf("role", ROLES);
    for (const key of [...Object.keys(raw.values), ...Object.keys(raw.secrets)].filter((k) => k in CONFIG_DEFAULTS)) {
        const owner = roleOfKey(key);
        if (owner !== undefined && owner !== role) {
            r.problem(`${fullKey(key)} is a setting of a stack whose ${fullKey("role")} is ${owner}; this one's is ${role}`);
        }
    }
    const jenkinsNamespace = r.matching("jenkinsNamespace", DNS_LABEL, "a DNS label such as jenkins");
    const config: StackConfig = {
        stack: raw.stack,
        role,
        jenkinsNamespace,
        podNetworkCidrs: parseCidrs(r),
        app: role === "app" ? parseApp(r, jenkinsNamespace) : undefined,
        jenkins: role === "jenkins" ? parseJenkins(r) : undefined,
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
    return parseStackConfig({
        stack: pulumi.getStack(), values, secrets, gitCommit: currentGitCommit(), dryRun: pulumi.runtime.isDryRun(),
    });
}
