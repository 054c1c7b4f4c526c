import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_LANES, LANE_LABEL } from "../pipeline";
import { AGENT_IMAGES } from "../upstream";
import { componentLabels } from "../workload";

/** The agent container that builds the API image (ci/deploy-pod.yaml), and the only one allowed an unconfined profile. */
export const BUILDER_CONTAINER = "buildkit";
export const LANE_POD_POLICY_NAME = "xpto-pipeline-lane-pods";

/** A CEL string literal. */
const literal = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
/** Every field along `path` is set (parenthesised: it is negated and combined). */
const has = (path: string) => `(${path.split(".").slice(1).map((_, i, parts) => `has(${[path.split(".")[0], ...parts.slice(0, i + 1)].join(".")})`).join(" && ")})`;
/** `path` is set and is true. */
const isTrue = (path: string) => `(${has(path)} && ${path})`;
/** Every container of one of the pod's three lists meets `condition` (over `c`). */
const everyIn = (list: string, condition: string) => `(!has(object.spec.${list}) || object.spec.${list}.all(c, ${condition}))`;
const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;
const everyContainer = (condition: (list: string) => string) => CONTAINER_LISTS.map((list) => everyIn(list, condition(list))).join(" && ");
/** The builder allowance applies to one regular container, by name, and only where `variables.builderAllowed`. */
const isBuilder = (list: string) => list === "containers" ? `(c.name == ${literal(BUILDER_CONTAINER)} && variables.builderAllowed)` : "false";
const unconfined = (profile: string) => `${has(profile)} && ${profile}.type == 'Unconfined'`;
/** The SELinux types Pod Security `baseline` allows. */
const SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
const seLinuxAllowed = (options: string) =>
    `(!${has(options)} || ((!has(${options}.type) || ${options}.type in [${SELINUX_TYPES.map(literal).join(", ")}]) && ` +
    `!has(${options}.user) && !has(${options}.role)))`;

export interface LanePodRule {
    expression: string;
    message: string;
}

/**
 * The admission rules for every pod in a lane namespace, whatever the
 * Jenkinsfile or pod file of a build asks for: Pod Security `baseline`'s
 * controls, written out because the deploying lanes' namespaces must admit
 * one thing `baseline` refuses — the rootless builder's unconfined seccomp
 * and AppArmor profiles — and nothing else. The builder allowance holds only
 * for the container named `buildkit`, running the pinned builder image, as
 * a non-root user, in a deploying lane.
 */
export function lanePodRules(builderImage: string = AGENT_IMAGES.buildkit): { variables: { name: string; expression: string }[]; rules: LanePodRule[] } {
    const variables = [
        {
            name: "builderAllowed",
            expression: `has(namespaceObject.metadata.labels) && ${literal(LANE_LABEL)} in namespaceObject.metadata.labels && ` +
                `namespaceObject.metadata.labels[${literal(LANE_LABEL)}] in [${DEPLOY_LANES.map(literal).join(", ")}] && ` +
                `object.spec.containers.all(c, c.name != ${literal(BUILDER_CONTAINER)} || c.image == ${literal(builderImage)})`,
        },
    ];
    const podContext = "object.spec.securityContext";
    const rules: LanePodRule[] = [
        {
            expression: `!${isTrue("object.spec.hostNetwork")} && !${isTrue("object.spec.hostPID")} && !${isTrue("object.spec.hostIPC")}`,
            message: "lane pods may not use the node's network, process or IPC namespaces",
        },
        {
            expression: "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath))",
            message: "lane pods may not mount hostPath volumes",
        },
        {
            expression: everyContainer(() => `!${isTrue("c.securityContext.privileged")}`),
            message: "no container in a lane pod may be privileged",
        },
        {
            expression: everyContainer(() => `!(${has("c.securityContext.capabilities.add")} && size(c.securityContext.capabilities.add) > 0)`),
            message: "no container in a lane pod may add capabilities",
        },
        {
            expression: everyContainer(() => "!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)"),
            message: "lane pods may not use host ports",
        },
        {
            expression: everyContainer(() => `!${has("c.securityContext.procMount")} || c.securityContext.procMount == 'Default'`),
            message: "lane pods may not unmask /proc",
        },
        {
            expression: `!(${unconfined(`${podContext}.seccompProfile`)}) && !(${unconfined(`${podContext}.appArmorProfile`)})`,
            message: "a lane pod may not be unconfined as a whole (seccomp or AppArmor)",
        },
        {
            expression: everyContainer((list) => `${isBuilder(list)} || (!(${unconfined("c.securityContext.seccompProfile")}) && ` +
                `!(${unconfined("c.securityContext.appArmorProfile")}))`),
            message: `only the builder container (${BUILDER_CONTAINER}, image ${builderImage}) of a deploying lane's pod may run ` +
                "with an unconfined seccomp or AppArmor profile",
        },
        {
            expression: "!has(object.metadata.annotations) || object.metadata.annotations.all(k, " +
                "!k.startsWith('container.apparmor.security.beta.kubernetes.io/') || object.metadata.annotations[k] != 'unconfined' || " +
                `(k == ${literal(`container.apparmor.security.beta.kubernetes.io/${BUILDER_CONTAINER}`)} && variables.builderAllowed))`,
            message: "only the builder container of a deploying lane's pod may be unconfined by AppArmor annotation",
        },
        {
            expression: everyIn("containers", `c.name != ${literal(BUILDER_CONTAINER)} || ` +
                `(${isTrue("c.securityContext.runAsNonRoot")} && !(${has("c.securityContext.runAsUser")} && c.securityContext.runAsUser == 0))`),
            message: `the builder container (${BUILDER_CONTAINER}) must run as a non-root user (runAsNonRoot: true)`,
        },
        {
            expression: `${seLinuxAllowed(`${podContext}.seLinuxOptions`)} && ${everyContainer(() => seLinuxAllowed("c.securityContext.seLinuxOptions"))}`,
            message: "lane pods may not set SELinux users, roles or types beyond the container types",
        },
        {
            expression: `!(${has(`${podContext}.sysctls`)} && size(${podContext}.sysctls) > 0)`,
            message: "lane pods may not set sysctls",
        },
    ];
    return { variables, rules };
}

/** The policy as Kubernetes takes it: every pod created or changed in a namespace labelled with a lane. */
export function lanePodPolicySpec(builderImage?: string): k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicySpec {
    const { variables, rules } = lanePodRules(builderImage);
    return {
        failurePolicy: "Fail",
        matchConstraints: {
            namespaceSelector: { matchExpressions: [{ key: LANE_LABEL, operator: "Exists" }] },
            resourceRules: [{
                apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"],
                resources: ["pods", "pods/ephemeralcontainers"],
            }],
        },
        variables,
        validations: rules.map((r) => ({ expression: r.expression, message: r.message, reason: "Forbidden" })),
    };
}

/**
 * What a lane pod may be, enforced by the API server for every pod in every
 * lane namespace (a ValidatingAdmissionPolicy and its binding, both
 * cluster-scoped: no pipeline identity can change or remove them). Pod
 * Security admission still enforces each lane's level beside it.
 */
export class LanePodPolicy extends pulumi.ComponentResource {
    public readonly policy: k8s.admissionregistration.v1.ValidatingAdmissionPolicy;
    public readonly binding: k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding;

    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:ci:LanePodPolicy", name, {}, opts);
        const labels = componentLabels("jenkins-agents");
        this.policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(name, {
            metadata: { name: LANE_POD_POLICY_NAME, labels },
            spec: lanePodPolicySpec(),
        }, { parent: this });
        this.binding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(name, {
            metadata: { name: LANE_POD_POLICY_NAME, labels },
            spec: { policyName: this.policy.metadata.name, validationActions: ["Deny"] },
        }, { parent: this });
        this.registerOutputs({});
    }
}
