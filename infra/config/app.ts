// An app stack's settings: its namespace, the API's image, the API and MongoDB.
import { DEPLOY_LANES } from "../pipeline";
import type { SettingsReader } from "./reader";
import { fullKey } from "./settings";
import type { ComputeResources } from "../workload";
import type { AppConfig, ImageConfig } from "./types";
import { bytes, DOCKER_HUB, DOCKER_HUB_USER_NAME, millicores, MONGO_MAJORS, registryUser, ROLLBACK_TAG } from "./values";

function parseImage(r: SettingsReader): ImageConfig {
    const { repository, registryServer } = r.required("imageRepository") ?? { repository: "", registryServer: DOCKER_HUB };
    const digest = r.optional("apiImageDigest");
    // A rollback deploys an image that exists: its commit no longer matters.
    const tag = digest === undefined
        ? r.required("imageTag", { unset: r.raw.gitCommit })
        : r.optional("imageTag", ROLLBACK_TAG) ?? r.raw.gitCommit ?? "rollback";
    let pull: ImageConfig["pull"];
    if (r.required("imageRepositoryPrivate")) {
        const username = r.required("registryUsername", {
            accepts: registryServer === DOCKER_HUB ? DOCKER_HUB_USER_NAME : registryUser(`the user name that logs in to ${registryServer}`),
        }) ?? "";
        const token = r.raw.secrets.registryPullToken;
        // A preview declares the pull Secret without it; nothing pulls during a preview.
        if (token === undefined && !r.raw.dryRun) {
            r.problem(`${fullKey("registryPullToken")} is required with a private repository: ` +
                "run `pulumi config set --secret registryPullToken` (a read-only token is enough)");
        }
        pull = { username, token };
    }
    return { repository, registryServer, tag: tag ?? "", digest, pull };
}

/** Requests and limits of one workload; a request above its limit is refused. */
function parseResources(r: SettingsReader, workload: "api" | "mongo"): ComputeResources {
    const resources = {
        requests: { cpu: r.required(`${workload}CpuRequest`) ?? "", memory: r.required(`${workload}MemoryRequest`) ?? "" },
        limits: { cpu: r.required(`${workload}CpuLimit`) ?? "", memory: r.required(`${workload}MemoryLimit`) ?? "" },
    };
    const over = (request: number | undefined, limit: number | undefined) =>
        request !== undefined && limit !== undefined && request > limit;
    if (over(millicores(resources.requests.cpu), millicores(resources.limits.cpu))) {
        r.fail(`${workload}CpuRequest`, `at most ${fullKey(`${workload}CpuLimit`)} (${resources.limits.cpu})`);
    }
    if (over(bytes(resources.requests.memory), bytes(resources.limits.memory))) {
        r.fail(`${workload}MemoryRequest`, `at most ${fullKey(`${workload}MemoryLimit`)} (${resources.limits.memory})`);
    }
    return resources;
}

function parseApi(r: SettingsReader): AppConfig["api"] {
    return {
        replicas: r.required("replicas") ?? 0,
        resources: parseResources(r, "api"),
        serviceType: r.required("serviceType") ?? "ClusterIP",
        database: r.required("apiDatabase") ?? "",
    };
}

function parseMongo(r: SettingsReader): AppConfig["mongo"] {
    const { image, majorVersion } = r.required("mongoImage") ?? { image: "", majorVersion: MONGO_MAJORS.min };
    if (majorVersion < MONGO_MAJORS.min || majorVersion > MONGO_MAJORS.max) {
        r.fail("mongoImage", `a MongoDB major version from ${MONGO_MAJORS.min} to ${MONGO_MAJORS.max}`);
    }
    return {
        image,
        majorVersion,
        storageSize: r.required("mongoStorageSize") ?? "",
        storageClass: r.optional("mongoStorageClass"),
        resources: parseResources(r, "mongo"),
    };
}

export function parseApp(r: SettingsReader, jenkinsNamespace: string): AppConfig {
    const namespace = r.required("namespace", { unset: r.raw.stack }) ?? "";
    if (namespace !== "" && namespace === jenkinsNamespace) {
        r.fail("namespace", `a namespace other than Jenkins' (${jenkinsNamespace})`);
    }
    return {
        namespace,
        protectData: r.required("protectData") ?? false,
        deployLane: r.required("deployLane", { unset: DEPLOY_LANES.find((lane) => lane === r.raw.stack) }) ?? "develop",
        image: parseImage(r),
        api: parseApi(r),
        mongo: parseMongo(r),
    };
}
