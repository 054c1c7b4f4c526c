import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AGENT_ACCOUNT, agentNamespace, type DeployLane, type Lane, PREVIEWED_LANE } from "../pipeline";
import { componentLabels } from "../workload";

const NAME = "pipeline";
const ALL = ["get", "list", "watch", "create", "update", "patch", "delete"];
const READ = ["get", "list", "watch"];

/** Pulumi type of this component: pipeline runs exclude it, so no build can change its own rights. */
export const PIPELINE_ACCESS_TYPE = "xpto:access:PipelineAccess";

/**
 * What `pulumi up` needs in an app namespace, kind by kind, and nothing more.
 * Writes cover exactly the kinds the program declares there; reads cover what
 * Pulumi's await logic watches (a Deployment's ReplicaSets and Pods, a
 * Service's Endpoints). Every written kind is also listed and watched: a
 * foreground delete leaves the object until the garbage collector removes it,
 * and Pulumi waits for that with an informer on the kind (the cluster suite
 * checks this on a real API server). No RBAC kind is writable, so the
 * pipeline cannot grant itself (or anyone) more than this.
 */
export const DEPLOYER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: [""], resources: ["secrets", "configmaps", "services"], verbs: ALL },
    { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ALL },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ALL },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ALL },
    { apiGroups: [""], resources: ["pods", "endpoints", "events", "persistentvolumeclaims"], verbs: READ },
    { apiGroups: ["apps"], resources: ["replicasets", "controllerrevisions"], verbs: READ },
];

export interface PipelineAccessArgs {
    /** The app namespace (its name: RBAC objects and the Namespace rule refer to it by name). */
    namespace: pulumi.Input<string>;
    jenkinsNamespace: string;
    /** The lane whose deployer updates this stack. */
    deployLane: DeployLane;
}

/**
 * Who the pipeline is in one app namespace: the deploying lane's
 * ServiceAccount may run `pulumi up` here (a Role, plus get of this one
 * Namespace object, which is cluster-scoped: never patch, so no build can
 * change the namespace's Pod Security level or its labels); on the stack
 * previews read (develop), the preview lane's may read what the built-in
 * `view` role shows (no Secrets). Every other build identity has no rights
 * here at all.
 */
export class PipelineAccess extends pulumi.ComponentResource {
    public readonly deployerRole: k8s.rbac.v1.Role;
    public readonly deployerBinding: k8s.rbac.v1.RoleBinding;
    public readonly namespaceRole: k8s.rbac.v1.ClusterRole;
    public readonly namespaceBinding: k8s.rbac.v1.ClusterRoleBinding;
    /** Only on the stack previews read (PREVIEWED_LANE). */
    public readonly previewerBinding?: k8s.rbac.v1.RoleBinding;

    constructor(name: string, args: PipelineAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super(PIPELINE_ACCESS_TYPE, name, {}, opts);
        const child = { parent: this };
        const labels = componentLabels(NAME);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });
        const subject = (lane: Lane) =>
            [{ kind: "ServiceAccount", name: AGENT_ACCOUNT, namespace: agentNamespace(args.jenkinsNamespace, lane) }];
        const deployer = subject(args.deployLane);

        this.deployerRole = new k8s.rbac.v1.Role(`${name}-deployer`, {
            metadata: metadata(`${NAME}-deployer`),
            rules: DEPLOYER_RULES,
        }, child);
        this.deployerBinding = new k8s.rbac.v1.RoleBinding(`${name}-deployer`, {
            metadata: metadata(`${NAME}-deployer`),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.deployerRole.metadata.name },
            subjects: deployer,
        }, child);

        const clusterName = pulumi.interpolate`${args.namespace}-${NAME}-deployer-namespace`;
        this.namespaceRole = new k8s.rbac.v1.ClusterRole(`${name}-deployer-namespace`, {
            metadata: { name: clusterName, labels },
            rules: [{ apiGroups: [""], resources: ["namespaces"], resourceNames: [args.namespace], verbs: ["get"] }],
        }, child);
        this.namespaceBinding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-deployer-namespace`, {
            metadata: { name: clusterName, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: this.namespaceRole.metadata.name },
            subjects: deployer,
        }, child);

        if (args.deployLane === PREVIEWED_LANE) {
            this.previewerBinding = new k8s.rbac.v1.RoleBinding(`${name}-previewer`, {
                metadata: metadata(`${NAME}-previewer`),
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
                subjects: subject("preview"),
            }, child);
        }
        this.registerOutputs({});
    }
}
