import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentLabels } from "./workload";

const NAME = "pipeline-deployer";

export interface DeployerAccessArgs {
    /** The app namespace the pipeline deploys into. */
    namespace: pulumi.Input<string>;
    /** Where the Jenkins agent's ServiceAccount lives. */
    agentNamespace: string;
    agentServiceAccount: string;
}

/**
 * Exactly the kinds of objects this program manages in an app namespace.
 * Pods, ReplicaSets, Events and Endpoints are read-only: Pulumi watches them
 * to know whether a rollout succeeded and a Service has its pods.
 */
export const DEPLOYER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    {
        apiGroups: [""],
        resources: ["secrets", "configmaps", "services"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {
        apiGroups: ["apps"],
        resources: ["deployments", "statefulsets"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {
        apiGroups: ["policy"],
        resources: ["poddisruptionbudgets"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {
        apiGroups: ["networking.k8s.io"],
        resources: ["networkpolicies"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {
        // The pipeline keeps this Role and its binding in step with the program.
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["roles", "rolebindings"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {
        apiGroups: ["", "apps"],
        resources: ["pods", "replicasets", "events", "endpoints", "persistentvolumeclaims", "controllerrevisions"],
        verbs: ["get", "list", "watch"],
    },
];

/**
 * Lets the Jenkins agent's ServiceAccount run `pulumi up` for this stack:
 * a Role in the app namespace, and cluster-wide only get/patch of that one
 * Namespace object (Namespaces are cluster-scoped).
 */
export class DeployerAccess extends pulumi.ComponentResource {
    public readonly role: k8s.rbac.v1.Role;
    public readonly roleBinding: k8s.rbac.v1.RoleBinding;
    public readonly namespaceRole: k8s.rbac.v1.ClusterRole;
    public readonly namespaceRoleBinding: k8s.rbac.v1.ClusterRoleBinding;

    constructor(name: string, args: DeployerAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:access:DeployerAccess", name, {}, opts);
        const child = { parent: this };
        const labels = componentLabels(NAME);
        const subjects = [{ kind: "ServiceAccount", name: args.agentServiceAccount, namespace: args.agentNamespace }];

        this.role = new k8s.rbac.v1.Role(NAME, {
            metadata: { name: NAME, namespace: args.namespace, labels },
            rules: DEPLOYER_RULES,
        }, child);
        this.roleBinding = new k8s.rbac.v1.RoleBinding(NAME, {
            metadata: { name: NAME, namespace: args.namespace, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.role.metadata.name },
            subjects,
        }, child);

        const clusterName = pulumi.interpolate`${args.namespace}-${NAME}-namespace`;
        this.namespaceRole = new k8s.rbac.v1.ClusterRole(`${name}-namespace`, {
            metadata: { name: clusterName, labels },
            rules: [{ apiGroups: [""], resources: ["namespaces"], resourceNames: [args.namespace], verbs: ["get", "patch"] }],
        }, child);
        this.namespaceRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-namespace`, {
            metadata: { name: clusterName, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: this.namespaceRole.metadata.name },
            subjects,
        }, child);
        this.registerOutputs({});
    }
}
