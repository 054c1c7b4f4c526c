// The key table: every setting a stack may hold, once. The parsers read values
// through it, the secret list, the role check and the "unknown key" check come
// from it, and the README's settings table is generated from it
// (`npx tsx test/tools/settingsTable.ts --write`).
import { DEPLOY_LANES } from "../pipeline";
import {
    type Accepts, CPU_QUANTITY, DOCKER_HUB, FLAG, GITHUB_REPOSITORY_URL, IMAGE_REPOSITORY, IMAGE_TAG_TEXT, INGRESS_HOST,
    JENKINS_SERVICE_TYPES, MAX_REPLICAS, MEMORY_QUANTITY, MONGO_DATABASE_NAME, MONGO_IMAGE_NAME, namespaceLabel, oneOf,
    PIPELINE_BACKEND, POD_NETWORK, PULUMI_CLOUD_URL, REGISTRY_SERVER, registryUser, ROLLBACK_DIGEST, SERVICE_TYPES,
    STORAGE_CLASS, storageQuantity, wholeNumber,
} from "./values";

/** The Pulumi project name: every config key lives under `xpto-api:`. */
export const PROJECT = "xpto-api";

export const ROLES = ["app", "jenkins"] as const;
export type Role = (typeof ROLES)[number];

/** A plain setting: its value is in the stack file as text. */
interface PlainSetting {
    /** The role of the stacks that read it; `shared`: every stack. */
    role: Role | "shared";
    accepts: Accepts<unknown>;
    /** The value when the key is unset. */
    default?: string;
    /** Without a default: what holds when it is unset (the README's default column). */
    unset?: string;
}

/** A secret setting: set with `pulumi config set --secret`, kept as `secure:` ciphertext. */
interface SecretSetting {
    role: Role;
    secret: true;
    /** When an operator must set it: always (for its role), with one backend, or with a private repository. */
    requiredWith: "always" | "pulumi-cloud" | "s3" | "a private repository";
}

export type Setting = PlainSetting | SecretSetting;

/** One row of the README's table: settings that share a meaning. */
export interface SettingsRow {
    settings: Record<string, Setting>;
    meaning: string;
}

const secret = (role: Role, requiredWith: SecretSetting["requiredWith"]) => ({ role, secret: true, requiredWith }) as const;

export const SETTINGS_ROWS = [
    {
        settings: { role: { role: "shared", default: "app", accepts: oneOf(ROLES) } },
        meaning: "`app` (the API and MongoDB) or `jenkins` (Jenkins and the lanes)",
    },
    {
        settings: { jenkinsNamespace: { role: "shared", default: "jenkins", accepts: namespaceLabel("a DNS label such as jenkins") } },
        meaning: "Jenkins' namespace; lane `<lane>`'s agents run in `<it>-agents-<lane>`",
    },
    {
        settings: { podNetworkCidrs: { role: "shared", unset: "required", accepts: POD_NETWORK } },
        meaning: "the cluster's pod network, IPv4 CIDRs comma-separated (`kubectl get nodes -o jsonpath='{.items[*].spec.podCIDR}'` " +
            "shows each node's share): the API's ingress and the lanes' egress policies tell pods from outside clients by it",
    },
    {
        settings: {
            namespace: {
                role: "app", unset: "the stack name",
                accepts: namespaceLabel("a DNS label: lowercase letters, digits and '-', at most 63 characters"),
            },
        },
        meaning: "the app's namespace",
    },
    {
        settings: { protectData: { role: "app", default: "false", accepts: FLAG } },
        meaning: "protect the namespace, MongoDB's StatefulSet and its credentials: `pulumi destroy` and changes that would " +
            "replace them fail — see Teardown (production sets `true`)",
    },
    {
        settings: { deployLane: { role: "app", unset: "the stack name", accepts: oneOf(DEPLOY_LANES) } },
        meaning: "the lane whose deployer updates this stack: `production` or `develop`",
    },
    {
        settings: { imageRepository: { role: "app", unset: "required", accepts: IMAGE_REPOSITORY } },
        meaning: "`[registry host[:port]/]<path>/<name>`, without tag: `docker.io/xpto/users-api` (Docker Hub, also written " +
            "`xpto/users-api`), `ghcr.io/xpto/users-api`, `127.0.0.1:5001/xpto/users-api`; the image is pushed with the " +
            "machine's `docker login` for that host",
    },
    {
        settings: { imageTag: { role: "app", unset: "`GIT_COMMIT`, else `git rev-parse HEAD`", accepts: IMAGE_TAG_TEXT } },
        meaning: "the image tag: the git commit",
    },
    {
        settings: { apiImageDigest: { role: "app", unset: "unset", accepts: ROLLBACK_DIGEST } },
        meaning: "rollback: deploy `<imageRepository>@<digest>` (an image pushed earlier) without building anything — see Day-2 operations",
    },
    {
        settings: { imageRepositoryPrivate: { role: "app", default: "false", accepts: FLAG } },
        meaning: "`true`: the API's pods pull through an image pull Secret (`users-api-pull`)",
    },
    {
        settings: {
            registryUsername: {
                role: "app", unset: "required with a private repository",
                accepts: registryUser(`the user name that logs in to the image repository's registry (${DOCKER_HUB} or another)`),
            },
            registryPullToken: secret("app", "a private repository"),
        },
        meaning: "the user and a read-only token the API's pods pull with (a preview does without the token)",
    },
    {
        settings: { replicas: { role: "app", default: "1", accepts: wholeNumber(1, MAX_REPLICAS) } },
        meaning: `API pods (1–${MAX_REPLICAS}); 2+ adds a PodDisruptionBudget`,
    },
    {
        settings: {
            apiCpuRequest: { role: "app", default: "100m", accepts: CPU_QUANTITY },
            apiMemoryRequest: { role: "app", default: "128Mi", accepts: MEMORY_QUANTITY },
            apiCpuLimit: { role: "app", default: "500m", accepts: CPU_QUANTITY },
            apiMemoryLimit: { role: "app", default: "256Mi", accepts: MEMORY_QUANTITY },
        },
        meaning: "API resources; a request is at most its limit",
    },
    {
        settings: { serviceType: { role: "app", default: "ClusterIP", accepts: oneOf(SERVICE_TYPES) } },
        meaning: "`ClusterIP`, `NodePort` or `LoadBalancer`",
    },
    {
        settings: { apiDatabase: { role: "app", default: "restfulapi", accepts: MONGO_DATABASE_NAME } },
        meaning: "the API's database; the app user may only read and write there",
    },
    {
        settings: { mongoImage: { role: "app", default: "mongo:4.2", accepts: MONGO_IMAGE_NAME } },
        meaning: "a `mongo:<major>[.<minor>…]` image, majors 4–8 (the probe shell follows: `mongo` before 6, `mongosh` from 6)",
    },
    {
        settings: {
            mongoStorageSize: { role: "app", default: "1Gi", accepts: storageQuantity("1Gi or 20Gi") },
            mongoStorageClass: { role: "app", unset: "the cluster's default class", accepts: STORAGE_CLASS },
        },
        meaning: "MongoDB's volume",
    },
    {
        settings: {
            mongoCpuRequest: { role: "app", default: "250m", accepts: CPU_QUANTITY },
            mongoMemoryRequest: { role: "app", default: "256Mi", accepts: MEMORY_QUANTITY },
            mongoCpuLimit: { role: "app", default: "1", accepts: CPU_QUANTITY },
            mongoMemoryLimit: { role: "app", default: "1Gi", accepts: MEMORY_QUANTITY },
        },
        meaning: "MongoDB resources; the WiredTiger cache is sized from the memory limit (half of limit − 1 GiB, at least " +
            "0.25 GB), since MongoDB 4.x reads the host's memory, not its limit",
    },
    {
        settings: { jenkinsRepositoryUrl: { role: "jenkins", unset: "required", accepts: GITHUB_REPOSITORY_URL } },
        meaning: "`https://github.com/<owner>/<repo>` of this repository",
    },
    {
        settings: {
            jenkinsGitHubUsername: {
                role: "jenkins", unset: "required",
                accepts: registryUser("the GitHub user of jenkinsGitHubToken (scans are never anonymous: GitHub allows 60 anonymous requests an hour)"),
            },
            jenkinsGitHubToken: secret("jenkins", "always"),
        },
        meaning: "the GitHub user and token of scans and checkouts: never anonymous (GitHub allows 60 anonymous API requests an hour)",
    },
    {
        settings: { jenkinsServiceType: { role: "jenkins", default: "ClusterIP", accepts: oneOf(JENKINS_SERVICE_TYPES) } },
        meaning: "`LoadBalancer` exposes Jenkins outside the cluster — see the risk below",
    },
    {
        settings: { jenkinsIngressHost: { role: "jenkins", unset: "unset", accepts: INGRESS_HOST } },
        meaning: "a host name to expose Jenkins through an Ingress",
    },
    {
        settings: { jenkinsStorageSize: { role: "jenkins", default: "8Gi", accepts: storageQuantity("8Gi") } },
        meaning: "Jenkins home volume",
    },
    {
        settings: { pipelineBackendUrl: { role: "jenkins", default: PULUMI_CLOUD_URL, accepts: PIPELINE_BACKEND } },
        meaning: "the backend the lanes log in to: Pulumi Cloud, or `s3://<bucket>[?endpoint=…&s3ForcePathStyle=true]`",
    },
    {
        settings: { pipelineRegistryServer: { role: "jenkins", default: DOCKER_HUB, accepts: REGISTRY_SERVER } },
        meaning: "the registry the deploying lanes log in to",
    },
    {
        settings: {
            pipelineProductionPulumiToken: secret("jenkins", "pulumi-cloud"),
            pipelineDevelopPulumiToken: secret("jenkins", "pulumi-cloud"),
            pipelinePreviewPulumiToken: secret("jenkins", "pulumi-cloud"),
        },
        meaning: "each lane's Pulumi token: updates production only, updates develop only, reads develop only (the fork lane gets none)",
    },
    {
        settings: {
            pipelineProductionPassphrase: secret("jenkins", "s3"),
            pipelineDevelopPassphrase: secret("jenkins", "s3"),
        },
        meaning: "each app stack's secrets passphrase (a deploying lane gets its own, previews develop's)",
    },
    {
        settings: {
            pipelineProductionS3AccessKeyId: secret("jenkins", "s3"),
            pipelineProductionS3SecretAccessKey: secret("jenkins", "s3"),
            pipelineDevelopS3AccessKeyId: secret("jenkins", "s3"),
            pipelineDevelopS3SecretAccessKey: secret("jenkins", "s3"),
            pipelinePreviewS3AccessKeyId: secret("jenkins", "s3"),
            pipelinePreviewS3SecretAccessKey: secret("jenkins", "s3"),
        },
        meaning: "each lane's keys to the state bucket",
    },
    {
        settings: {
            pipelineProductionRegistryUsername: { role: "jenkins", unset: "required", accepts: registryUser("the registry user that pushes production images") },
            pipelineProductionRegistryToken: secret("jenkins", "always"),
        },
        meaning: "the production lane's registry account: it may push production's repository",
    },
    {
        settings: {
            pipelineDevelopRegistryUsername: { role: "jenkins", unset: "required", accepts: registryUser("the registry user that pushes develop images") },
            pipelineDevelopRegistryToken: secret("jenkins", "always"),
        },
        meaning: "the develop lane's registry account: it may push develop's repository",
    },
] as const satisfies readonly SettingsRow[];

type Rows = (typeof SETTINGS_ROWS)[number];
type SettingsOf<R> = R extends { settings: infer S } ? S : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type Table = UnionToIntersection<SettingsOf<Rows>>;

/** Every key a stack may set. */
export type ConfigKey = keyof Table;
/** Keys set with `--secret`. */
export type SecretKey = { [K in ConfigKey]: Table[K] extends { secret: true } ? K : never }[ConfigKey];
export type PlainKey = Exclude<ConfigKey, SecretKey>;
/** The value a plain key's schema reads. */
export type ValueOf<K extends PlainKey> = Table[K] extends { accepts: Accepts<infer T> } ? T : never;

/** The key table, by key, in the README's order. */
export const SETTINGS = Object.assign({}, ...SETTINGS_ROWS.map((row) => row.settings)) as Record<ConfigKey, Setting>;

export const isSecret = (setting: Setting): setting is SecretSetting => "secret" in setting;

/** Settings that are secrets: set with `pulumi config set --secret`, never in plain text. */
export const SECRET_KEYS = (Object.keys(SETTINGS) as ConfigKey[]).filter((key) => isSecret(SETTINGS[key])) as SecretKey[];

export function isConfigKey(key: string): key is ConfigKey {
    return Object.hasOwn(SETTINGS, key);
}

export function fullKey(name: string): string {
    return `${PROJECT}:${name}`;
}
