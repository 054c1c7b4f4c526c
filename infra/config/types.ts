// The parsed stack config: what index.ts hands to the components.
import type * as pulumi from "@pulumi/pulumi";
import type { LaneCredentials } from "../ci/pipelineLanes";
import type { DeployLane, Lane } from "../pipeline";
import type { ComputeResources } from "../workload";
import type { Role, SecretKey } from "./settings";
import type { BackendKind, JenkinsServiceType, ServiceType } from "./values";

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
    lanes: Partial<Record<Lane, LaneCredentials>>;
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
