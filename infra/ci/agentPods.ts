/**
 * The agent pods the Jenkinsfile runs its builds in, one source for both
 * files: ci/deploy-pod.yaml (deploying lanes) is ci/preview-pod.yaml plus the
 * image builder and what it shares with the pulumi container.
 * `npx tsx ci/generate-pods.ts` writes them; a test keeps the committed files
 * equal to what this module builds. Whatever a branch writes in them, the
 * lane pod policy (lanePodPolicy.ts) decides what the cluster admits.
 */
import * as yaml from "js-yaml";
import { AGENT_ACCOUNT, AGENT_POD_FILES, LANE_CREDENTIALS_SECRET } from "../pipeline";
import { AGENT_IMAGES, BUILDKIT_ROOTLESS } from "../upstream";
import { noPrivilegeEscalation } from "../workload";
import { BUILDER_CONTAINER } from "./lanePodPolicy";

export type AgentPodKind = keyof typeof AGENT_POD_FILES;
export const AGENT_POD_KINDS = Object.keys(AGENT_POD_FILES) as AgentPodKind[];

/** Where ci/registry-login.sh writes the push credentials (pulumi container) and the builder reads them. */
const REGISTRY_AUTH = { volume: "registry-auth", path: "/run/registry-auth" } as const;
const BUILDKIT_STATE_VOLUME = "buildkit-state";
/** The API tests' MongoDB, in the pod beside them. */
const TEST_MONGO_URI = "mongodb://127.0.0.1:27017";

type Quantity = { cpu: string; memory: string };
const resources = (requests: Quantity, limits: Quantity) => ({ requests, limits });
/** Idle until the Jenkinsfile runs its steps in the container. */
const idle = { command: ["sleep"], args: ["infinity"] };

interface Container {
    /** Why the container is there, written above it in the file. */
    comment: string;
    spec: Record<string, unknown>;
}

function pulumiContainer(kind: AgentPodKind): Container {
    const buildsImage = kind === "deploy";
    return {
        comment: "Node 22 and the Pulumi CLI; the lane's credentials come from its namespace's Secret." +
            (buildsImage ? "\nci/registry-login.sh writes the push credentials to DOCKER_CONFIG, for the builder." : ""),
        spec: {
            name: "pulumi",
            image: AGENT_IMAGES.pulumi,
            ...idle,
            envFrom: [{ secretRef: { name: LANE_CREDENTIALS_SECRET, optional: true } }],
            ...(buildsImage ? { env: [{ name: "DOCKER_CONFIG", value: REGISTRY_AUTH.path }] } : {}),
            resources: resources({ cpu: "500m", memory: "1Gi" }, { cpu: "2", memory: "3Gi" }),
            securityContext: noPrivilegeEscalation(),
            ...(buildsImage ? { volumeMounts: [{ name: REGISTRY_AUTH.volume, mountPath: REGISTRY_AUTH.path }] } : {}),
        },
    };
}

const python: Container = {
    comment: "The API's Python, as in app/Dockerfile.",
    spec: {
        name: "python",
        image: AGENT_IMAGES.python,
        ...idle,
        env: [{ name: "TEST_MONGO_URI", value: TEST_MONGO_URI }],
        resources: resources({ cpu: "250m", memory: "512Mi" }, { cpu: "1", memory: "1Gi" }),
        securityContext: noPrivilegeEscalation(),
    },
};

const mongo: Container = {
    comment: "The MongoDB version XPTO runs, for the API tests (TEST_MONGO_URI).",
    spec: {
        name: "mongo",
        image: AGENT_IMAGES.mongo,
        args: ["--bind_ip", "127.0.0.1", "--noscripting"],
        resources: resources({ cpu: "100m", memory: "256Mi" }, { cpu: "500m", memory: "512Mi" }),
    },
};

const groovy: Container = {
    comment: "Lints and runs the Jenkinsfile's own tests (Node and Java 17 in one image).",
    spec: {
        name: "groovy",
        image: AGENT_IMAGES.groovyLint,
        ...idle,
        resources: resources({ cpu: "250m", memory: "512Mi" }, { cpu: "1", memory: "1Gi" }),
        securityContext: noPrivilegeEscalation(),
    },
};

const builder: Container = {
    comment: "Builds and pushes the API image (ci/build-image.sh) with rootless BuildKit:\n" +
        "not privileged, as uid 1000. Its user namespace and mounts need unconfined\n" +
        "seccomp and AppArmor profiles, which the lane pod policy allows this\n" +
        "container alone, on this image, in a deploying lane; newuidmap is setuid,\n" +
        "so privilege escalation stays allowed here (and only here).",
    spec: {
        name: BUILDER_CONTAINER,
        image: AGENT_IMAGES.buildkit,
        // buildctl-daemonless.sh starts the daemon for each build.
        ...idle,
        env: [
            { name: "BUILDKITD_FLAGS", value: BUILDKIT_ROOTLESS.daemonFlags },
            { name: "DOCKER_CONFIG", value: REGISTRY_AUTH.path },
        ],
        resources: resources({ cpu: "500m", memory: "1Gi" }, { cpu: "2", memory: "2Gi" }),
        securityContext: {
            runAsNonRoot: true,
            runAsUser: BUILDKIT_ROOTLESS.user,
            runAsGroup: BUILDKIT_ROOTLESS.user,
            seccompProfile: { type: "Unconfined" },
            appArmorProfile: { type: "Unconfined" },
        },
        volumeMounts: [
            { name: BUILDKIT_STATE_VOLUME, mountPath: BUILDKIT_ROOTLESS.stateDirectory },
            { name: REGISTRY_AUTH.volume, mountPath: REGISTRY_AUTH.path, readOnly: true },
        ],
    },
};

function containers(kind: AgentPodKind): Container[] {
    return [pulumiContainer(kind), python, mongo, groovy, ...(kind === "deploy" ? [builder] : [])];
}

function volumes(kind: AgentPodKind): Record<string, unknown>[] {
    if (kind !== "deploy") return [];
    return [
        { name: BUILDKIT_STATE_VOLUME, emptyDir: {} },
        // In memory: the push credentials never reach the node's disk.
        { name: REGISTRY_AUTH.volume, emptyDir: { medium: "Memory" } },
    ];
}

/** One agent pod, as Kubernetes reads it. */
export function agentPod(kind: AgentPodKind) {
    const podVolumes = volumes(kind);
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { labels: { "app.kubernetes.io/name": "xpto-users-api-ci" } },
        spec: {
            serviceAccountName: AGENT_ACCOUNT,
            restartPolicy: "Never",
            containers: containers(kind).map((c) => c.spec),
            ...(podVolumes.length > 0 ? { volumes: podVolumes } : {}),
        },
    };
}

const HEADERS: Record<AgentPodKind, string> = {
    deploy: `The agent of the deploying lanes (production, develop): one pod per build, in
the lane's namespace, as the lane's ${AGENT_ACCOUNT}, whose rights are the Role
each app stack grants it (infra/app/pipelineAccess.ts). It is the preview pod
with the image builder.`,
    preview: `The agent of the preview lane (pull requests from this repository and every
branch that does not deploy) and of the fork lane (pull requests from forks):
one pod per build, as the lane's ${AGENT_ACCOUNT}. In the preview lane it reads
the lane's credentials (develop's stack, read-only); the fork lane's namespace
has no credentials Secret, so its pulumi container gets none. It builds no image.`,
};

const comment = (text: string, indent: string) => text.split("\n").map((line) => `${indent}# ${line}`).join("\n");
const indented = (text: string, indent: string) => text.trimEnd().split("\n").map((line) => `${indent}${line}`).join("\n");
const dump = (value: unknown) => yaml.dump(value, { lineWidth: -1 });

/** The pod file's text: the pod, with why each container is there. */
export function agentPodText(kind: AgentPodKind): string {
    const pod = agentPod(kind);
    const podVolumes = pod.spec.volumes ?? [];
    const lines = [
        comment(`${HEADERS[kind]}\nWhatever a branch writes here, the lane pod policy (infra/ci/lanePodPolicy.ts)\n` +
            "decides what the cluster admits. Generated from infra/ci/agentPods.ts by\n`npx tsx ci/generate-pods.ts`: edit there.", ""),
        dump({ apiVersion: pod.apiVersion, kind: pod.kind, metadata: pod.metadata }).trimEnd(),
        "spec:",
        indented(dump({ serviceAccountName: pod.spec.serviceAccountName, restartPolicy: pod.spec.restartPolicy }), "  "),
        "  containers:",
        ...containers(kind).flatMap((c) => [comment(c.comment, "    "), indented(dump([c.spec]), "    ")]),
        ...(podVolumes.length > 0 ? ["  volumes:", indented(dump(podVolumes), "    ")] : []),
    ];
    return `${lines.join("\n")}\n`;
}
