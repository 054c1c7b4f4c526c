import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { bytes } from "../../config";
import {
    type ComputeResources, componentLabels, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity,
    selectorLabels,
} from "../../workload";
import { mongoShellFor } from "./initScript";
import { CREDENTIAL_KEYS, MONGO_NAME, MONGO_PORT } from "./server";

/** The uid and gid of the `mongodb` user in the official image. */
export const MONGO_UID = 999;

/** WiredTiger's smallest cache, in GB (mongod refuses less). */
export const MIN_WIRED_TIGER_CACHE_GB = 0.25;

/**
 * The WiredTiger cache for a memory limit, by mongod's own rule for a host of
 * that size (half of (memory - 1 GB), at least 0.25 GB). MongoDB 4.x reads the
 * host's RAM, not the cgroup v2 limit, and would size it past the limit.
 */
export function wiredTigerCacheSizeGB(memoryLimit: string): number {
    const gb = (bytes(memoryLimit) ?? 0) / 2 ** 30;
    return Math.max(MIN_WIRED_TIGER_CACHE_GB, Math.floor(((gb - 1) / 2) * 100) / 100);
}

/** What the StatefulSet is made from: the server's settings and the objects its pod reads. */
export interface MongoStatefulSetArgs {
    image: string;
    majorVersion: number;
    resources: ComputeResources;
    storageSize: string;
    storageClass?: string;
    /** The API's database: the init script gives the application user readWrite there. */
    database: string;
    /** The headless Service that gives the pod its stable name. */
    serviceName: pulumi.Input<string>;
    /** The Secret holding CREDENTIAL_KEYS. */
    credentialsSecretName: pulumi.Input<string>;
    /** The ConfigMap holding the init script. */
    initScriptsName: pulumi.Input<string>;
}

/** `mongod` with authentication on (the image's default once a root user exists) and server-side JavaScript off. */
function mongodContainer(args: MongoStatefulSetArgs): k8s.types.input.core.v1.Container {
    const fromSecret = (key: string) => ({ secretKeyRef: { name: args.credentialsSecretName, key } });
    const ping = { exec: { command: [mongoShellFor(args.majorVersion), "--quiet", "--eval", "db.adminCommand('ping')"] } };
    return {
        name: "mongodb",
        image: args.image,
        args: [
            "mongod", "--bind_ip_all", "--noscripting",
            "--wiredTigerCacheSizeGB", String(wiredTigerCacheSizeGB(args.resources.limits.memory)),
        ],
        ports: [{ name: "mongodb", containerPort: MONGO_PORT, protocol: "TCP" }],
        env: [
            ...CREDENTIAL_KEYS.map((key) => ({ name: key, valueFrom: fromSecret(key) })),
            { name: "MONGO_APP_DATABASE", value: args.database },
        ],
        resources: resourceRequirements(args.resources),
        securityContext: restrictedContainerSecurity(),
        startupProbe: { ...ping, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
        livenessProbe: { ...ping, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 },
        readinessProbe: { ...ping, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        volumeMounts: [
            { name: "data", mountPath: "/data/db" },
            // The image declares these writable paths; the root filesystem stays read-only.
            { name: "configdb", mountPath: "/data/configdb" },
            { name: "tmp", mountPath: "/tmp" },
            { name: "init", mountPath: "/docker-entrypoint-initdb.d", readOnly: true },
        ],
    };
}

/** One MongoDB pod as the image's non-root user, its data on a volume claimed per replica. */
export function mongoStatefulSetSpec(args: MongoStatefulSetArgs): k8s.types.input.apps.v1.StatefulSetSpec {
    const labels = componentLabels(MONGO_NAME);
    return {
        serviceName: args.serviceName,
        replicas: 1,
        // Kubernetes' default, said out loud: deleting or scaling down the StatefulSet keeps the volume.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        selector: { matchLabels: selectorLabels(MONGO_NAME) },
        template: {
            metadata: { labels },
            spec: {
                automountServiceAccountToken: false,
                securityContext: restrictedPodSecurity(MONGO_UID),
                terminationGracePeriodSeconds: 60,
                containers: [mongodContainer(args)],
                volumes: [
                    { name: "configdb", emptyDir: {} },
                    { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
                    { name: "init", configMap: { name: args.initScriptsName, defaultMode: 0o555 } },
                ],
            },
        },
        volumeClaimTemplates: [{
            metadata: { name: "data", labels },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClass,
                resources: { requests: { storage: args.storageSize } },
            },
        }],
    };
}
