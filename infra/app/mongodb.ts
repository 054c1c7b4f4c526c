import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type AppConfig, bytes } from "../config";
import {
    componentLabels, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity, selectorLabels,
    serviceDnsName,
} from "../workload";

export const MONGO_PORT = 27017;
/** The uid and gid of the `mongodb` user in the official image. */
const MONGO_UID = 999;
const NAME = "mongodb";
const ROOT_USER = "root";
const APP_USER = "users-api";

export interface MongoDbArgs {
    namespace: pulumi.Input<string>;
    mongo: AppConfig["mongo"];
    /** The database the API uses; the application user may read and write only there. */
    database: string;
    /** Labels of the only pods allowed to connect (the API's). */
    clientPodLabels: Record<string, string>;
    /**
     * Protect the data: `pulumi destroy` or a change that would replace the
     * StatefulSet or its credentials fails instead of deleting them.
     */
    protectData: boolean;
}

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

/** The shell that ships in the image: 6.0 removed the legacy `mongo` shell in favour of `mongosh`. */
export function mongoShellFor(majorVersion: number): "mongo" | "mongosh" {
    return majorVersion >= 6 ? "mongosh" : "mongo";
}

/**
 * Runs once, on the first start with an empty volume (the image's
 * docker-entrypoint-initdb.d contract), as the root user the image created.
 * Passwords arrive as environment variables from the Secret, never in the script.
 */
function createAppUserScript(shell: string): string {
    return `#!/bin/bash
set -euo pipefail
${shell} --quiet --host 127.0.0.1 --port ${MONGO_PORT} \\
  --username "$MONGO_INITDB_ROOT_USERNAME" --password "$MONGO_INITDB_ROOT_PASSWORD" \\
  --authenticationDatabase admin "$MONGO_APP_DATABASE" <<EOF
db.createUser({
  user: "$MONGO_APP_USERNAME",
  pwd: "$MONGO_APP_PASSWORD",
  roles: [{ role: "readWrite", db: "$MONGO_APP_DATABASE" }]
});
EOF
`;
}

/**
 * A single-replica MongoDB with authentication on, server-side JavaScript off,
 * data on a PersistentVolumeClaim and ingress only from the API's pods.
 */
export class MongoDb extends pulumi.ComponentResource {
    public readonly rootPassword: random.RandomPassword;
    public readonly appPassword: random.RandomPassword;
    public readonly credentials: k8s.core.v1.Secret;
    public readonly initScripts: k8s.core.v1.ConfigMap;
    public readonly service: k8s.core.v1.Service;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
    /** In-cluster host name of the server (no credentials). */
    public readonly host: pulumi.Output<string>;
    public readonly appUsername = APP_USER;

    constructor(name: string, args: MongoDbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:data:MongoDb", name, {}, opts);
        const child = { parent: this };
        const kept = { parent: this, protect: args.protectData };
        const labels = componentLabels(NAME);
        const selector = selectorLabels(NAME);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });

        // Alphanumeric only: the password is embedded in a connection URI and a shell here-document.
        const password = (id: string) => new random.RandomPassword(`${name}-${id}-password`, {
            length: 32,
            special: false,
        }, kept);
        this.rootPassword = password("root");
        this.appPassword = password("app");

        this.credentials = new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: metadata(`${NAME}-credentials`),
            type: "Opaque",
            stringData: {
                MONGO_INITDB_ROOT_USERNAME: ROOT_USER,
                MONGO_INITDB_ROOT_PASSWORD: this.rootPassword.result,
                MONGO_APP_USERNAME: APP_USER,
                MONGO_APP_PASSWORD: this.appPassword.result,
            },
        }, kept);

        this.initScripts = new k8s.core.v1.ConfigMap(`${name}-init`, {
            metadata: metadata(`${NAME}-init`),
            data: { "create-app-user.sh": createAppUserScript(mongoShellFor(args.mongo.majorVersion)) },
        }, child);

        this.service = new k8s.core.v1.Service(`${name}-headless`, {
            metadata: metadata(NAME),
            spec: {
                clusterIP: "None",
                selector,
                ports: [{ name: "mongodb", port: MONGO_PORT, targetPort: "mongodb", protocol: "TCP" }],
            },
        }, child);

        const fromSecret = (key: string) => ({ secretKeyRef: { name: this.credentials.metadata.name, key } });
        const ping = ["--quiet", "--eval", "db.adminCommand('ping')"];
        const shell = mongoShellFor(args.mongo.majorVersion);
        this.statefulSet = new k8s.apps.v1.StatefulSet(NAME, {
            metadata: metadata(NAME),
            spec: {
                serviceName: this.service.metadata.name,
                replicas: 1,
                // Kubernetes' default, said out loud: deleting or scaling down the StatefulSet keeps the volume.
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurity(MONGO_UID),
                        terminationGracePeriodSeconds: 60,
                        containers: [{
                            name: "mongodb",
                            image: args.mongo.image,
                            args: [
                                "mongod", "--bind_ip_all", "--noscripting",
                                "--wiredTigerCacheSizeGB", String(wiredTigerCacheSizeGB(args.mongo.resources.limits.memory)),
                            ],
                            ports: [{ name: "mongodb", containerPort: MONGO_PORT, protocol: "TCP" }],
                            env: [
                                { name: "MONGO_INITDB_ROOT_USERNAME", valueFrom: fromSecret("MONGO_INITDB_ROOT_USERNAME") },
                                { name: "MONGO_INITDB_ROOT_PASSWORD", valueFrom: fromSecret("MONGO_INITDB_ROOT_PASSWORD") },
                                { name: "MONGO_APP_USERNAME", valueFrom: fromSecret("MONGO_APP_USERNAME") },
                                { name: "MONGO_APP_PASSWORD", valueFrom: fromSecret("MONGO_APP_PASSWORD") },
                                { name: "MONGO_APP_DATABASE", value: args.database },
                            ],
                            resources: resourceRequirements(args.mongo.resources),
                            securityContext: restrictedContainerSecurity(),
                            startupProbe: {
                                exec: { command: [shell, ...ping] },
                                periodSeconds: 5,
                                timeoutSeconds: 5,
                                failureThreshold: 60,
                            },
                            livenessProbe: {
                                exec: { command: [shell, ...ping] },
                                periodSeconds: 20,
                                timeoutSeconds: 10,
                                failureThreshold: 6,
                            },
                            readinessProbe: {
                                exec: { command: [shell, ...ping] },
                                periodSeconds: 10,
                                timeoutSeconds: 5,
                                failureThreshold: 3,
                            },
                            volumeMounts: [
                                { name: "data", mountPath: "/data/db" },
                                // The image declares these writable paths; the root filesystem stays read-only.
                                { name: "configdb", mountPath: "/data/configdb" },
                                { name: "tmp", mountPath: "/tmp" },
                                { name: "init", mountPath: "/docker-entrypoint-initdb.d", readOnly: true },
                            ],
                        }],
                        volumes: [
                            { name: "configdb", emptyDir: {} },
                            { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
                            { name: "init", configMap: { name: this.initScripts.metadata.name, defaultMode: 0o555 } },
                        ],
                    },
                },
                volumeClaimTemplates: [{
                    metadata: { name: "data", labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: args.mongo.storageClass,
                        resources: { requests: { storage: args.mongo.storageSize } },
                    },
                }],
            },
        }, { ...kept, customTimeouts: { create: "10m", update: "10m" } });

        this.networkPolicy = new k8s.networking.v1.NetworkPolicy(`${name}-allow-api`, {
            metadata: metadata(`${NAME}-allow-api`),
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress"],
                ingress: [{
                    from: [{ podSelector: { matchLabels: args.clientPodLabels } }],
                    ports: [{ port: MONGO_PORT, protocol: "TCP" }],
                }],
            },
        }, child);

        this.host = pulumi.all([this.service.metadata.name, args.namespace]).apply(([service, ns]) => serviceDnsName(service, ns));
        this.registerOutputs({ host: this.host });
    }
}
