import type * as pulumi from "@pulumi/pulumi";
import { DOCKER_HUB } from "../../config";

/** Credentials for a private repository: the API's pods pull with an image pull Secret made from them. */
export interface RegistryCredentials {
    /** The registry's host[:port]. */
    server: string;
    username: string;
    /** Absent in a preview without credentials: the Secret is then declared without them. */
    token?: pulumi.Input<string>;
}

/** The registry key a kubelet looks up for a server: Docker Hub's is its v1 index URL. */
export function dockerConfigServer(server: string): string {
    return server === DOCKER_HUB ? "https://index.docker.io/v1/" : server;
}

/** `.dockerconfigjson` for one registry, as `kubectl create secret docker-registry` writes it. */
export function dockerConfigJson(server: string, username: string, token: string): string {
    const auth = Buffer.from(`${username}:${token}`).toString("base64");
    return JSON.stringify({ auths: { [dockerConfigServer(server)]: { username, password: token, auth } } });
}
