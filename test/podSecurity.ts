// The Pod Security Standards' checks, for pod specs under mocks. The rules are
// those of k8s.io/pod-security-admission v0.34.4 (policy/check_*.go): baseline
// forbids host namespaces, hostPath, host ports, privileged containers, added
// capabilities beyond the default set and unconfined seccomp; restricted adds
// the volume types, no privilege escalation, non-root, a seccomp profile and
// dropping ALL capabilities. The cluster suite asks a real API server too.

/* eslint-disable @typescript-eslint/no-explicit-any -- pod specs are read loosely */

export type Level = "privileged" | "baseline" | "restricted";

const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID",
    "SETPCAP", "SETUID", "SYS_CHROOT",
]);
const RESTRICTED_VOLUMES = new Set([
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
]);

function containersOf(pod: any): any[] {
    return [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
}

/** Every way `pod` (a PodSpec) breaks `level`; empty when it meets it. */
export function podSecurityViolations(pod: any, level: Level): string[] {
    const problems: string[] = [];
    if (level === "privileged") return problems;
    const containers = containersOf(pod);
    const each = (test: (c: any) => boolean, message: string) => {
        for (const c of containers) if (test(c)) problems.push(`${c.name}: ${message}`);
    };

    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (pod[field]) problems.push(`${field} is set`);
    }
    for (const volume of pod.volumes ?? []) {
        if (volume.hostPath) problems.push(`volume ${volume.name} is a hostPath`);
    }
    each((c) => (c.ports ?? []).some((p: any) => p.hostPort), "uses a host port");
    each((c) => c.securityContext?.privileged === true, "is privileged");
    each((c) => (c.securityContext?.capabilities?.add ?? []).some((cap: string) => !BASELINE_CAPABILITIES.has(cap)),
        "adds capabilities beyond the default set");
    const unconfined = (sc: any) => sc?.seccompProfile?.type === "Unconfined";
    if (unconfined(pod.securityContext)) problems.push("the pod's seccomp profile is Unconfined");
    each((c) => unconfined(c.securityContext), "its seccomp profile is Unconfined");
    if (level === "baseline") return problems;

    for (const volume of pod.volumes ?? []) {
        const kind = Object.keys(volume).find((k) => k !== "name");
        if (kind && !RESTRICTED_VOLUMES.has(kind)) problems.push(`volume ${volume.name} is a ${kind}`);
    }
    each((c) => c.securityContext?.allowPrivilegeEscalation !== false, "allows privilege escalation");
    const podNonRoot = pod.securityContext?.runAsNonRoot === true;
    each((c) => !(c.securityContext?.runAsNonRoot ?? podNonRoot), "may run as root (runAsNonRoot)");
    const podUser = pod.securityContext?.runAsUser;
    each((c) => (c.securityContext?.runAsUser ?? podUser) === 0, "runs as uid 0");
    const profile = (sc: any) => sc?.seccompProfile?.type;
    const podProfile = profile(pod.securityContext);
    each((c) => !["RuntimeDefault", "Localhost"].includes(profile(c.securityContext) ?? podProfile),
        "has no RuntimeDefault or Localhost seccomp profile");
    each((c) => !(c.securityContext?.capabilities?.drop ?? []).includes("ALL"), "does not drop ALL capabilities");
    each((c) => (c.securityContext?.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE"),
        "adds a capability other than NET_BIND_SERVICE");
    return problems;
}

/** The level a namespace enforces, from its labels (unlabelled: privileged, Kubernetes' default). */
export function enforcedLevel(labels: Record<string, string> | undefined): Level {
    return (labels?.["pod-security.kubernetes.io/enforce"] as Level | undefined) ?? "privileged";
}
