import * as k8s from "@pulumi/kubernetes";
type Labels = Record<string, string>;

/** A container's CPU and memory requests and limits, as Kubernetes quantities (`250m`, `512Mi`). */
export interface ComputeResources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

/** Labels that select one component's pods; stable for the life of the workload. */
export function selectorLabels(component: string): Labels {
    return { "app.kubernetes.io/name": component, "app.kubernetes.io/part-of": "xpto-users-api" };
}

/** Labels for every object of a component. */
export function componentLabels(component: string): Labels {
    return { ...selectorLabels(component), "app.kubernetes.io/managed-by": "pulumi" };
}

/** Pod-level hardening shared by every workload: a fixed non-root identity and the runtime's seccomp profile. */
export function restrictedPodSecurity(uid: number): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** No process of the container may gain privileges (setuid binaries, file capabilities): asked of every container that can do without. */
export function noPrivilegeEscalation(): { allowPrivilegeEscalation: false } {
    return { allowPrivilegeEscalation: false };
}

/**
 * The one home of container hardening: what Pod Security `restricted` asks
 * of every container (no privilege escalation, no capabilities, the runtime's
 * seccomp profile) and no writes outside mounted volumes. Each workload adds
 * who it runs as.
 */
export function hardenedContainer() {
    return {
        ...noPrivilegeEscalation(),
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level hardening of the app's workloads, whose pods set the seccomp profile and the user (restrictedPodSecurity). */
export function restrictedContainerSecurity(): k8s.types.input.core.v1.SecurityContext {
    const { allowPrivilegeEscalation, readOnlyRootFilesystem, capabilities } = hardenedContainer();
    return { allowPrivilegeEscalation, readOnlyRootFilesystem, runAsNonRoot: true, capabilities };
}

/** Kubernetes' shape for a container's requests and limits. */
export function resourceRequirements(spec: ComputeResources): k8s.types.input.core.v1.ResourceRequirements {
    return { requests: { ...spec.requests }, limits: { ...spec.limits } };
}

export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/**
 * Namespace labels that make Pod Security admission enforce (and warn at)
 * `level`, and record in the audit log what a stricter `audit` level would refuse.
 */
export function podSecurityLabels(level: PodSecurityLevel, audit: PodSecurityLevel = level): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/audit": audit,
        "pod-security.kubernetes.io/warn": level,
    };
}

/** A Service's name in the cluster's DNS, as pods in any namespace resolve it. */
export function serviceDnsName(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}
