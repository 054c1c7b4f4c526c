import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
    type ComputeResources, componentLabels, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity,
} from "../../workload";
import { API_NAME, API_POD_LABELS, API_PORT } from "./server";

/** The non-root user the image's Dockerfile creates. */
export const API_UID = 10001;
/**
 * How long a stopping pod keeps serving before its server gets SIGTERM: the
 * Service's endpoints drop it asynchronously, and until every node's proxy
 * rules follow, new connections still reach it. Without this wait, a rollout
 * under load refused connections (the node suite measured 55 of 3268 requests
 * in one rolling update). An exec of `sleep`, not the `sleep` action, which
 * needs Kubernetes 1.30: the image is Debian's, with coreutils.
 */
export const PRE_STOP_SECONDS = 5;
/**
 * Longer than the preStop wait plus the server's graceful timeout
 * (GRACEFUL_TIMEOUT_S, app/server.py), so that in-flight requests finish
 * before the kubelet sends SIGKILL.
 */
export const TERMINATION_GRACE_SECONDS = 40;

/** What the Deployment is made from: the API's settings and the objects its pods read. */
export interface UsersApiDeploymentArgs {
    replicas: number;
    resources: ComputeResources;
    /** `repository@sha256:…` of the pushed image. */
    imageDigest: pulumi.Input<string>;
    /** The database the API uses, in MongoDB. */
    database: string;
    /** The Secret holding MONGO_URI. */
    mongoSecretName: pulumi.Input<string>;
    /** The image pull Secret, for a private repository. */
    pullSecretName?: pulumi.Input<string>;
}

/** The API's one container: restricted, probed, and given time to leave the Service before it stops. */
function apiContainer(args: UsersApiDeploymentArgs): k8s.types.input.core.v1.Container {
    return {
        name: API_NAME,
        image: args.imageDigest,
        ports: [{ name: "http", containerPort: API_PORT, protocol: "TCP" }],
        env: [
            { name: "MONGO_URI", valueFrom: { secretKeyRef: { name: args.mongoSecretName, key: "MONGO_URI" } } },
            { name: "MONGO_DATABASE", value: args.database },
        ],
        resources: resourceRequirements(args.resources),
        securityContext: restrictedContainerSecurity(),
        livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        lifecycle: { preStop: { exec: { command: ["sleep", String(PRE_STOP_SECONDS)] } } },
        // Python's temp files live here; the root filesystem is read-only.
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };
}

/** The API's pods, rolled out one extra pod at a time so that none is missing while a new build starts. */
export function usersApiDeploymentSpec(args: UsersApiDeploymentArgs): k8s.types.input.apps.v1.DeploymentSpec {
    return {
        replicas: args.replicas,
        selector: { matchLabels: API_POD_LABELS },
        // Fail the rollout (and so `pulumi up`) when new pods never become ready.
        progressDeadlineSeconds: 300,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
            metadata: { labels: componentLabels(API_NAME) },
            spec: {
                automountServiceAccountToken: false,
                imagePullSecrets: args.pullSecretName === undefined ? undefined : [{ name: args.pullSecretName }],
                securityContext: restrictedPodSecurity(API_UID),
                terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
                containers: [apiContainer(args)],
                volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }],
            },
        },
    };
}

/**
 * Keeps one pod up through voluntary disruptions (node drains). None for a
 * single replica: a budget of one pod out of one would block drains forever.
 */
export function usersApiDisruptionBudgetSpec(replicas: number): k8s.types.input.policy.v1.PodDisruptionBudgetSpec | undefined {
    return replicas >= 2 ? { minAvailable: 1, selector: { matchLabels: API_POD_LABELS } } : undefined;
}
