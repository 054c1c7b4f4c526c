import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { componentLabels, selectorLabels, serviceDnsName } from "../workload";
import { createAppUserScript, INIT_SCRIPT_NAME, mongoShellFor } from "./mongodb/initScript";
import { mongoNetworkPolicySpec } from "./mongodb/networkPolicy";
import { APP_USER, type CredentialKey, MONGO_NAME, MONGO_PORT, ROOT_USER } from "./mongodb/server";
import { type MongoStatefulSetArgs, mongoStatefulSetSpec } from "./mongodb/statefulSet";

/** The server's settings are the StatefulSet's; the objects it reads are the component's own. */
export interface MongoDbArgs extends Omit<MongoStatefulSetArgs, "serviceName" | "credentialsSecretName" | "initScriptsName"> {
    namespace: pulumi.Input<string>;
    /** Labels of the only pods allowed to connect (the API's). */
    clientPodLabels: Record<string, string>;
    /**
     * Protect the data: `pulumi destroy` or a change that would replace the
     * StatefulSet or its credentials fails instead of deleting them.
     */
    protectData: boolean;
}

/** How a client logs in as the application user. */
export interface MongoConnection {
    host: pulumi.Output<string>;
    port: number;
    username: string;
    password: pulumi.Output<string>;
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
    /** The application user's connection: never the root user. */
    public readonly appConnection: MongoConnection;

    constructor(name: string, args: MongoDbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:data:MongoDb", name, {}, opts);
        const child = { parent: this };
        const kept = { parent: this, protect: args.protectData };
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: componentLabels(MONGO_NAME) });

        // Alphanumeric only: the password is embedded in a connection URI and a shell here-document.
        const password = (id: string) => new random.RandomPassword(`${name}-${id}-password`, { length: 32, special: false }, kept);
        this.rootPassword = password("root");
        this.appPassword = password("app");

        const credentials: Record<CredentialKey, pulumi.Input<string>> = {
            MONGO_INITDB_ROOT_USERNAME: ROOT_USER,
            MONGO_INITDB_ROOT_PASSWORD: this.rootPassword.result,
            MONGO_APP_USERNAME: APP_USER,
            MONGO_APP_PASSWORD: this.appPassword.result,
        };
        this.credentials = new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: metadata(`${MONGO_NAME}-credentials`),
            type: "Opaque",
            stringData: credentials,
        }, kept);

        this.initScripts = new k8s.core.v1.ConfigMap(`${name}-init`, {
            metadata: metadata(`${MONGO_NAME}-init`),
            data: { [INIT_SCRIPT_NAME]: createAppUserScript(mongoShellFor(args.majorVersion)) },
        }, child);

        this.service = new k8s.core.v1.Service(`${name}-headless`, {
            metadata: metadata(MONGO_NAME),
            spec: {
                clusterIP: "None",
                selector: selectorLabels(MONGO_NAME),
                ports: [{ name: "mongodb", port: MONGO_PORT, targetPort: "mongodb", protocol: "TCP" }],
            },
        }, child);

        this.statefulSet = new k8s.apps.v1.StatefulSet(MONGO_NAME, {
            metadata: metadata(MONGO_NAME),
            spec: mongoStatefulSetSpec({
                ...args,
                serviceName: this.service.metadata.name,
                credentialsSecretName: this.credentials.metadata.name,
                initScriptsName: this.initScripts.metadata.name,
            }),
        }, { ...kept, customTimeouts: { create: "10m", update: "10m" } });

        this.networkPolicy = new k8s.networking.v1.NetworkPolicy(`${name}-allow-api`, {
            metadata: metadata(`${MONGO_NAME}-allow-api`),
            spec: mongoNetworkPolicySpec(args.clientPodLabels),
        }, child);

        this.host = pulumi.all([this.service.metadata.name, args.namespace]).apply(([service, ns]) => serviceDnsName(service, ns));
        this.appConnection = { host: this.host, port: MONGO_PORT, username: APP_USER, password: this.appPassword.result };
        this.registerOutputs({ host: this.host });
    }
}
