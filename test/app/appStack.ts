// What the app stacks' tests read from the committed stack files and from a
// program run: settings, the one container of a workload, where sentinels went.
import * as assert from "assert";
import { PROJECT } from "../../infra/config";
import { type DeclaredResource, SENTINELS, stackFileConfig } from "../harness";
import { isSecretValue, spec } from "../kubernetesSchema";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read deep, loosely typed Kubernetes specs */

/** A plain setting of a committed stack file, by its short key. */
export function setting(stack: string, key: string): string {
    return stackFileConfig(stack)[`${PROJECT}:${key}`];
}

/** The repository a stack pushes to, as its stack file names it. */
export const repositoryOf = (stack: string) => setting(stack, "imageRepository");


/** The requests and limits a stack file sets for `api` or `mongo`. */
export function configuredResources(stack: string, prefix: "api" | "mongo"): unknown {
    return {
        requests: { cpu: setting(stack, `${prefix}CpuRequest`), memory: setting(stack, `${prefix}MemoryRequest`) },
        limits: { cpu: setting(stack, `${prefix}CpuLimit`), memory: setting(stack, `${prefix}MemoryLimit`) },
    };
}

/** The one container of a declared Deployment or StatefulSet. */
export function container(workload: DeclaredResource): any {
    const containers = spec(workload).spec.template.spec.containers;
    assert.strictEqual(containers.length, 1);
    return containers[0];
}

/** The kinds Kubernetes does not keep in a namespace, of those the app stacks declare. */
export const CLUSTER_SCOPED = ["Namespace", "ClusterRole", "ClusterRoleBinding"];

/** Every path in an object tree whose string value contains one of the sentinels. */
export function sentinelPaths(value: unknown, at = "", insideSecret = false): { path: string; secret: boolean }[] {
    if (typeof value === "string") {
        return value.includes(SENTINELS.prefix) ? [{ path: at, secret: insideSecret }] : [];
    }
    if (typeof value !== "object" || value === null) return [];
    const secret = insideSecret || isSecretValue(value);
    return Object.entries(value).flatMap(([k, v]) => sentinelPaths(v, `${at}.${k}`, secret));
}

