// What holds across an app stack: the objects declared, their namespace, schema, Pod Security, outputs and secrets.
import * as assert from "assert";
import { APP_STACKS, committedRun, DeclaredResource, FAKE_DIGEST, findOne, isSecretOutput, kubernetesObjects, ProgramRun, SENTINELS, valueOf } from "../harness";
import { enforcedLevel, podSecurityViolations } from "../podSecurity";
import { spec, validateKubernetesObject } from "../kubernetesSchema";
import { CLUSTER_SCOPED, repositoryOf, sentinelPaths, setting } from "./appStack";

for (const stack of APP_STACKS) {
    describe(`the program on stack ${stack}`, () => {
        let run: ProgramRun;
        const replicas = Number(setting(stack, "replicas"));
        const privateRepository = setting(stack, "imageRepositoryPrivate") === "true";
        const REPOSITORY = repositoryOf(stack);

        before(async () => {
            run = await committedRun(stack);
        });

        it("declares exactly the resources of the design", () => {
            const declared = run.resources
                .filter((r) => !r.type.startsWith("xpto:"))
                .map((r) => `${r.type.split(":").pop()}/${r.name}`)
                .sort();
            const expected = [
                "ClusterRole/pipeline-deployer-namespace",
                "ClusterRoleBinding/pipeline-deployer-namespace",
                "ConfigMap/mongodb-init",
                "Deployment/users-api",
                "Image/users-api-image",
                "Namespace/app-namespace",
                "NetworkPolicy/mongodb-allow-api",
                "NetworkPolicy/users-api-ingress",
                "RandomPassword/mongodb-app-password",
                "RandomPassword/mongodb-root-password",
                "Role/pipeline-deployer",
                "RoleBinding/pipeline-deployer",
                // Previews read develop's stack only.
                ...(stack === "develop" ? ["RoleBinding/pipeline-previewer"] : []),
                "Secret/mongodb-credentials",
                "Secret/users-api-mongo",
                "Service/mongodb-headless",
                "Service/users-api",
                "StatefulSet/mongodb",
                ...(replicas >= 2 ? ["PodDisruptionBudget/users-api"] : []),
                ...(privateRepository ? ["Secret/users-api-pull"] : []),
            ].sort();
            assert.deepStrictEqual(declared, expected);
        });

        it("puts every namespaced object in the stack's namespace, named once", () => {
            assert.strictEqual(spec(findOne(run, "Namespace", stack)).metadata.name, stack);
            const seen = new Set<string>();
            for (const object of kubernetesObjects(run)) {
                const { metadata, kind } = spec(object);
                assert.ok(metadata.name, `${object.name} has an explicit name`);
                const key = `${kind}/${metadata.namespace}/${metadata.name}`;
                assert.ok(!seen.has(key), `${key} is declared twice`);
                seen.add(key);
                if (!CLUSTER_SCOPED.includes(kind)) {
                    assert.strictEqual(metadata.namespace, stack, `${kind}/${metadata.name}`);
                }
            }
        });

        it("every Kubernetes object validates against the Kubernetes OpenAPI schema", () => {
            const objects = kubernetesObjects(run);
            assert.ok(objects.length >= 13);
            for (const object of objects) {
                assert.doesNotThrow(() => validateKubernetesObject(object), `${object.type} ${object.name}`);
            }
        });

        describe("Pod Security", () => {
            it("the namespace enforces restricted (and audits and warns at it)", () => {
                const labels = spec(findOne(run, "Namespace", stack)).metadata.labels;
                for (const mode of ["enforce", "audit", "warn"]) {
                    assert.strictEqual(labels[`pod-security.kubernetes.io/${mode}`], "restricted", mode);
                }
            });

            it("every pod template meets the level its namespace enforces", () => {
                const level = enforcedLevel(spec(findOne(run, "Namespace", stack)).metadata.labels);
                for (const kind of ["Deployment", "StatefulSet"]) {
                    assert.deepStrictEqual(podSecurityViolations(spec(findOne(run, kind)).spec.template.spec, level), [], kind);
                }
            });
        });

        describe("outputs", () => {
            it("exports namespace, image digest, API service and URL, and MongoDB host", async () => {
                assert.deepStrictEqual(Object.keys(run.outputs).sort(), [
                    "apiServiceName", "apiUrl", "appNamespace", "imageDigest", "mongoHost",
                ]);
                assert.strictEqual(await valueOf(run.outputs.appNamespace), stack);
                assert.strictEqual(await valueOf(run.outputs.imageDigest), `${REPOSITORY}@${FAKE_DIGEST}`);
                assert.strictEqual(await valueOf(run.outputs.apiServiceName), "users-api");
                assert.strictEqual(await valueOf(run.outputs.apiUrl), `http://users-api.${stack}.svc.cluster.local`);
                assert.strictEqual(await valueOf(run.outputs.mongoHost), `mongodb.${stack}.svc.cluster.local`);
            });
        });

        describe("secret hygiene", () => {
            it("sentinel secrets appear only in Secret data, always as Pulumi secrets", () => {
                const allowed = (resource: DeclaredResource, at: string) =>
                    resource.type === "kubernetes:core/v1:Secret" && /^\.(stringData|data)\b/.test(at);
                let found = 0;
                for (const resource of run.resources) {
                    for (const hit of sentinelPaths(resource.inputs)) {
                        found += 1;
                        assert.ok(allowed(resource, hit.path), `secret leaked into ${resource.type} ${resource.name} at ${hit.path}`);
                        assert.ok(hit.secret, `${resource.type} ${resource.name}${hit.path} is not marked secret`);
                    }
                }
                // Both MongoDB passwords in its credentials, the application's in the URI, and a private
                // repository's pull token in its pull Secret.
                assert.strictEqual(found, 3 + (privateRepository ? 1 : 0), "every secret is where it belongs");
            });

            it("no output carries a secret, and none that would is left unmarked", async () => {
                for (const [name, output] of Object.entries(run.outputs)) {
                    const value = JSON.stringify(await valueOf(output));
                    assert.ok(!value.includes(SENTINELS.prefix) || await isSecretOutput(output), `output ${name}`);
                    assert.ok(!value.includes(SENTINELS.prefix), `output ${name} carries a secret`);
                }
            });
        });
    });
}

describe("operating the stacks", () => {
    describe("protected data", () => {
        const KEPT = [
            "Namespace/app-namespace", "RandomPassword/mongodb-app-password", "RandomPassword/mongodb-root-password",
            "Secret/mongodb-credentials", "StatefulSet/mongodb",
        ];
        const protectedIn = (run: ProgramRun) => run.resources.filter((r) => r.options.protect)
            .map((r) => `${r.type.split(":").pop()}/${r.name}`).sort();

        it("production protects the namespace, MongoDB's StatefulSet and its credentials from destroy and replacement", async () => {
            assert.deepStrictEqual(protectedIn(await committedRun("production")), KEPT);
        });

        it("develop protects nothing: it can be torn down at will", async () => {
            assert.deepStrictEqual(protectedIn(await committedRun("develop")), []);
        });

        it("deleting or scaling the StatefulSet keeps the volume (Kubernetes' Retain policy, stated)", async () => {
            const statefulSet = spec(findOne(await committedRun("develop"), "StatefulSet")).spec;
            assert.deepStrictEqual(statefulSet.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        });
    });

    describe("outputs", () => {
        for (const stack of [...APP_STACKS, "jenkins"]) {
            it(`${stack} exports only values that exist (an undefined output warns on every preview)`, async () => {
                const run = await committedRun(stack);
                for (const [name, value] of Object.entries(run.exported)) {
                    assert.ok(value !== undefined, `${name} is exported undefined`);
                }
                assert.deepStrictEqual(Object.keys(run.exported).sort(), Object.keys(run.outputs).sort());
            });
        }
    });
});
