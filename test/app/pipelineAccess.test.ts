// The pipeline's rights in an app namespace: its own lane's deployer writes what the program manages, no RBAC.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { APP_STACKS, committedRun, findOne, kubernetesObjects, ProgramRun, ROOT } from "../harness";
import { spec } from "../kubernetesSchema";
import { CLUSTER_SCOPED } from "./appStack";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read deep, loosely typed Kubernetes specs */

/** The resource names (plural, as RBAC spells them) of the objects a run declares in its app namespace. */
function namespacedKinds(run: ProgramRun): string[] {
    const kinds = kubernetesObjects(run).map((o) => spec(o))
        .filter((o) => !CLUSTER_SCOPED.includes(o.kind) && o.metadata.namespace === run.stack)
        .map((o) => o.kind as string);
    return [...new Set(kinds.map((k) => k.toLowerCase().replace(/y$/, "ie") + "s"))].sort();
}

for (const stack of APP_STACKS) {
    describe(`the program on stack ${stack}`, () => {
        let run: ProgramRun;

        before(async () => {
            run = await committedRun(stack);
        });

        describe("the pipeline's rights in this namespace", () => {
            const lanes = { deployer: `jenkins-agents-${stack}`, previewer: "jenkins-agents-preview" };
            const agent = (namespace: string) => [{ kind: "ServiceAccount", name: "pipeline-agent", namespace }];

            it(`binds the ${stack} lane's deployer, and no other lane's, to a Role here`, () => {
                const binding = spec(findOne(run, "RoleBinding", "pipeline-deployer"));
                assert.deepStrictEqual(binding.subjects, agent(lanes.deployer));
                assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pipeline-deployer" });
                assert.strictEqual(spec(findOne(run, "Role")).metadata.namespace, stack);
            });

            it("the deployer may write exactly the kinds this program manages here, and no RBAC at all", () => {
                const rules = spec(findOne(run, "Role")).rules as any[];
                const writable = rules.filter((r) => r.verbs.includes("create")).flatMap((r) => r.resources as string[]).sort();
                // What the pipeline's runs manage here (its own RBAC objects are excluded from them);
                // a PodDisruptionBudget appears when replicas go from 1 to 2.
                const managed = namespacedKinds(run).filter((k) => k !== "roles" && k !== "rolebindings");
                assert.deepStrictEqual([...new Set([...managed, "poddisruptionbudgets"])].sort(), writable);
                for (const rule of rules) {
                    for (const field of ["apiGroups", "resources", "verbs"]) {
                        assert.ok(!rule[field].includes("*"), `no wildcard in ${field}`);
                    }
                    assert.ok(!rule.apiGroups.includes("rbac.authorization.k8s.io"), "the pipeline cannot grant itself more");
                    assert.ok(!rule.verbs.includes("escalate") && !rule.verbs.includes("bind") && !rule.verbs.includes("impersonate"));
                }
                // Pulumi awaits a (foreground) delete with an informer on the kind: what it writes, it lists and watches.
                for (const rule of rules.filter((r) => r.verbs.includes("delete"))) {
                    assert.ok(rule.verbs.includes("list") && rule.verbs.includes("watch"), `${rule.resources} can be listed and watched`);
                }
            });

            it("cluster-wide, the deployer may only read its own Namespace: never patch it (its Pod Security labels)", () => {
                const role = spec(findOne(run, "ClusterRole"));
                assert.deepStrictEqual(role.rules, [
                    { apiGroups: [""], resources: ["namespaces"], resourceNames: [stack], verbs: ["get"] },
                ]);
                const binding = spec(findOne(run, "ClusterRoleBinding"));
                assert.strictEqual(binding.roleRef.name, role.metadata.name);
                assert.deepStrictEqual(binding.subjects, agent(lanes.deployer));
            });

            if (stack === "develop") {
                it("the preview lane may read here what the built-in view role shows (no Secrets), nothing more", () => {
                    const binding = spec(findOne(run, "RoleBinding", "pipeline-previewer"));
                    assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" });
                    assert.deepStrictEqual(binding.subjects, agent(lanes.previewer));
                });
            } else {
                it("no lane but its own has any right here: previews never read production", () => {
                    const subjects = kubernetesObjects(run).map(spec).filter((o) => o.kind.endsWith("RoleBinding")).flatMap((b) => b.subjects);
                    assert.ok(subjects.length > 0);
                    for (const subject of subjects) assert.deepStrictEqual([subject], agent(lanes.deployer));
                });
            }

            it("pipeline runs exclude these objects: the Jenkinsfile's glob covers them and nothing else", () => {
                const jenkinsfile = fs.readFileSync(path.join(ROOT, "Jenkinsfile"), "utf8");
                const [, glob] = /--exclude 'urn:pulumi:\$\{stack\}::([^']+)'/.exec(jenkinsfile) ?? [];
                assert.ok(glob, "the Jenkinsfile excludes a URN glob");
                const pattern = new RegExp(`^urn:pulumi:${stack}::${glob.split("**").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
                const excluded = run.urns.filter((urn) => pattern.test(urn)).map((urn) => urn.split("::").slice(-1)[0]).sort();
                assert.deepStrictEqual(excluded, ["pipeline", "pipeline-deployer", "pipeline-deployer", "pipeline-deployer-namespace",
                    "pipeline-deployer-namespace", ...(stack === "develop" ? ["pipeline-previewer"] : [])]);
            });
        });
    });
}

describe("RBAC across both app stacks", () => {
    it("each stack lets only its own lane's deployer write, and only in its own namespace", async () => {
        for (const stack of APP_STACKS) {
            const run = await committedRun(stack);
            const writers = kubernetesObjects(run).map(spec).filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")
                .filter((o) => o.roleRef.name !== "view");
            for (const binding of writers) {
                assert.deepStrictEqual(binding.subjects.map((s: any) => s.namespace), [`jenkins-agents-${stack}`], binding.metadata.name);
                if (binding.kind === "RoleBinding") assert.strictEqual(binding.metadata.namespace, stack);
            }
        }
    });
});
