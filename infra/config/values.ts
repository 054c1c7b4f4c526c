// What each kind of setting accepts: a schema that reads the text Pulumi
// holds into its typed value, and the words an operator reads when a value
// is refused. The key table (settings.ts) gives every key one of these.
import { z } from "zod";

export const PULUMI_CLOUD_URL = "https://api.pulumi.com";
export const DOCKER_HUB = "docker.io";

export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
export const JENKINS_SERVICE_TYPES = ["ClusterIP", "LoadBalancer"] as const;
export type JenkinsServiceType = (typeof JENKINS_SERVICE_TYPES)[number];

/** MongoDB majors the StatefulSet knows how to probe (the shell changed in 6.0). */
export const MONGO_MAJORS = { min: 4, max: 8 } as const;
export const MAX_REPLICAS = 20;

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
const IPV4_CIDR = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/;
const CPU = /^([0-9]+(?:\.[0-9]+)?)(m?)$/;
const MEMORY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_UNITS: Record<string, number> = {
    "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

/** A CPU quantity in millicores. */
export function millicores(value: string): number | undefined {
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

/** What a setting accepts: the schema that reads its text, and what to write instead of a refused value. */
export interface Accepts<T> {
    schema: z.ZodType<T>;
    expected: string;
}

export const matching = (pattern: RegExp, expected: string): Accepts<string> =>
    ({ schema: z.string().regex(pattern), expected });

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T): Accepts<T[number]> =>
    ({ schema: z.enum(values), expected: `one of ${values.join(", ")}` });

export const FLAG: Accepts<boolean> = {
    schema: z.enum(["false", "true"]).transform((v) => v === "true"),
    expected: "one of false, true",
};

export const wholeNumber = (min: number, max: number): Accepts<number> => ({
    schema: z.string().regex(/^[0-9]+$/).transform(Number).pipe(z.number().min(min).max(max)),
    expected: `a whole number from ${min} to ${max}`,
});

export const CPU_QUANTITY = matching(CPU, "a CPU quantity such as 250m or 1");
export const MEMORY_QUANTITY = matching(MEMORY, "a memory quantity such as 256Mi or 1Gi");
export const storageQuantity = (examples: string) => matching(MEMORY, `a storage quantity such as ${examples}`);
export const namespaceLabel = (expected: string) => matching(DNS_LABEL, expected);
export const registryUser = (expected: string) => matching(REGISTRY_USER, expected);
export const DOCKER_HUB_USER_NAME = matching(DOCKER_HUB_USER, "a Docker Hub user name (4 to 30 lowercase letters or digits)");

export const POD_NETWORK: Accepts<string[]> = {
    schema: z.string()
        .transform((given) => given.split(",").map((c) => c.trim()).filter((c) => c !== ""))
        .pipe(z.array(z.string().regex(IPV4_CIDR)).min(1)),
    expected: "the cluster's pod network as IPv4 CIDRs, comma-separated, such as 10.244.0.0/16 " +
        "(kubectl get nodes -o jsonpath='{.items[*].spec.podCIDR}' shows each node's share of it)",
};

/** `[host[:port]/]path`, lowercase: Docker Hub names a repository <org>/<name> (a bare name would be an official `library/` image). */
export const IMAGE_REPOSITORY: Accepts<{ repository: string; registryServer: string }> = {
    schema: z.string().transform((given) => splitRepository(given)).refine(({ host, path }) => {
        const components = path.split("/");
        return components.length >= (host === DOCKER_HUB ? 2 : 1) && components.every((c) => PATH_COMPONENT.test(c));
    }).transform(({ host, path }) => ({ repository: `${host}/${path}`, registryServer: host })),
    expected: "a repository such as docker.io/<org>/<name> or <registry host[:port]>/<path>/<name>, lowercase, without tag or digest",
};

export const IMAGE_TAG_TEXT = matching(IMAGE_TAG, "a Docker tag (the git commit); set it, or GIT_COMMIT, or run from a git checkout");
/** A rollback builds nothing: its tag only labels the deploy. */
export const ROLLBACK_TAG = matching(IMAGE_TAG, "a Docker tag");
export const ROLLBACK_DIGEST = matching(IMAGE_DIGEST,
    "an image digest such as sha256:<64 hex digits> (`pulumi stack output imageDigest` of an earlier deploy), or unset to build");

/** A mongo image with a numeric version tag: its major tells the StatefulSet which shell probes it. */
export const MONGO_IMAGE_NAME: Accepts<{ image: string; majorVersion: number }> = {
    schema: z.string().regex(MONGO_IMAGE).transform((image) => ({ image, majorVersion: Number(MONGO_IMAGE.exec(image)?.[1]) })),
    expected: `a mongo image with a numeric version tag, such as mongo:4.2 (majors ${MONGO_MAJORS.min} to ${MONGO_MAJORS.max})`,
};
export const MONGO_DATABASE_NAME = matching(MONGO_DATABASE, "a MongoDB database name (letters, digits, '_', '-')");
export const STORAGE_CLASS = matching(DNS_SUBDOMAIN, "the name of a StorageClass (a DNS subdomain), or unset for the cluster default");

export const GITHUB_REPOSITORY_URL = matching(GITHUB_REPOSITORY,
    "the https URL of this repository on GitHub, such as https://github.com/xpto/users-api");
export const INGRESS_HOST = matching(HOST_NAME, "a DNS host name such as jenkins.xpto.example, or unset for no Ingress");
export const REGISTRY_SERVER = matching(REGISTRY_HOST, "a registry host[:port] such as docker.io or ghcr.io");

export type BackendKind = "pulumi-cloud" | "s3";

/** Where the lanes keep the app stacks' state: Pulumi Cloud (or a self-hosted one), or an S3-compatible bucket. */
export const PIPELINE_BACKEND: Accepts<{ kind: BackendKind; url: string }> = {
    schema: z.union([
        z.union([z.literal(PULUMI_CLOUD_URL), z.string().regex(HTTPS_URL)])
            .transform((url) => ({ kind: "pulumi-cloud" as const, url })),
        z.string().regex(S3_BACKEND).transform((url) => ({ kind: "s3" as const, url })),
    ]),
    expected: `${PULUMI_CLOUD_URL} (or a self-hosted Pulumi Cloud's https URL), or s3://<bucket>` +
        "[?endpoint=<host:port>&s3ForcePathStyle=true] for an S3-compatible store whose keys the lanes receive; " +
        "gs://, azblob:// and file:// backends cannot be reached from the agent pods with per-lane credentials",
};
