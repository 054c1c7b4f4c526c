import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { bytes, PROJECT } from "../infra/config";
import { wiredTigerCacheSizeGB } from "../infra/app/mongodb/statefulSet";
import { PRE_STOP_SECONDS } from "../infra/app/usersApi/deployment";
import {
    APP_STACKS, DeclaredResource, FAKE_COMMIT, FAKE_DIGEST, findOne, isSecretOutput, kubernetesObjects, ProgramRun, ROOT,
    runProgram, SENTINELS, stackFileConfig, urnOf, valueOf,
} from "./harness";
import { enforcedLevel, podSecurityViolations } from "./podSecurity";
import { isSecretValue, spec, validateKubernetesObject } from "./kubernetesSchema";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read deep, loosely typed Kubernetes specs */

/** The repository a stack pushes to, as its stack file names it. */
const repositoryOf = (stack: string) => setting(stack, "imageRepository");

function setting(stack: string, key: string): string {
    return stackFileConfig(stack)[`${PROJECT}:${key}`];
}

/** The requests and limits a stack file sets for `api` or `mongo`. */
function configuredResources(stack: string, prefix: "api" | "mongo"): unknown {
    return {
        requests: { cpu: setting(stack, `${prefix}CpuRequest`), memory: setting(stack, `${prefix}MemoryRequest`) },
        limits: { cpu: setting(stack, `${prefix}CpuLimit`), memory: setting(stack, `${prefix}MemoryLimit`) },
    };
}


/** How long the image's server lets requests in flight finish after SIGTERM (app/server.py). */
function serverGracefulTimeout(): number {
    const text = fs.readFileSync(path.join(ROOT, "app", "server.py"), "utf8");
    const match = /^GRACEFUL_TIMEOUT_S\s*=\s*(\d+)/m.exec(text);
    assert.ok(match, "app/server.py sets GRACEFUL_TIMEOUT_S");
    return Number(match[1]);
}

/** Every path in an object tree whose string value contains one of the sentinels. */
function sentinelPaths(value: unknown, at = "", insideSecret = false): { path: string; secret: boolean }[] {
    if (typeof value === "string") {
        return value.includes(SENTINELS.prefix) ? [{ path: at, secret: insideSecret }] : [];
    }
    if (typeof value !== "object" || value === null) return [];
    const secret = insideSecret || isSecretValue(value);
    return Object.entries(value).flatMap(([k, v]) => sentinelPaths(v, `${at}.${k}`, secret));
}

const CLUSTER_SCOPED = ["Namespace", "ClusterRole", "ClusterRoleBinding"];

/** The resource names (plural, as RBAC spells them) of the objects a run declares in its app namespace. */
function namespacedKinds(run: ProgramRun): string[] {
    const kinds = kubernetesObjects(run).map((o) => spec(o))
        .filter((o) => !CLUSTER_SCOPED.includes(o.kind) && o.metadata.namespace === run.stack)
        .map((o) => o.kind as string);
    return [...new Set(kinds.map((k) => k.toLowerCase().replace(/y$/, "ie") + "s"))].sort();
}

function container(workload: DeclaredResource): any {
    const containers = spec(workload).spec.template.spec.containers;
    assert.strictEqual(containers.length, 1);
    return containers[0];
}

for (const stack of APP_STACKS) {
    describe(`the program on stack ${stack}`, () => {
        let run: ProgramRun;
        const replicas = Number(setting(stack, "replicas"));
        const privateRepository = setting(stack, "imageRepositoryPrivate") === "true";
        const REPOSITORY = repositoryOf(stack);

        before(async () => {
            run = await runProgram(stack);
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

        describe("image", () => {
            it("builds app/ and pushes <repository>:<git commit> with the machine's docker login, no token in state", () => {
                const image = spec(findOne(run, "Image"));
                assert.strictEqual(image.imageName, `${REPOSITORY}:${FAKE_COMMIT}`);
                assert.strictEqual(image.build.context, path.join(ROOT, "app"));
                assert.strictEqual(image.build.dockerfile, path.join(ROOT, "app", "Dockerfile"));
                assert.ok(fs.existsSync(image.build.dockerfile), "the Dockerfile exists");
                assert.deepStrictEqual(image.registry, { server: "docker.io" }, "credentials come from ~/.docker/config.json");
                assert.strictEqual(image.buildOnPreview, false, "previews build nothing");
            });

            it("the Deployment runs the pushed image by digest, never by tag", () => {
                assert.strictEqual(container(findOne(run, "Deployment")).image, `${REPOSITORY}@${FAKE_DIGEST}`);
            });
        });

        describe("MongoDB", () => {
            it("a single replica of the configured image, with server-side JavaScript disabled", () => {
                const statefulSet = spec(findOne(run, "StatefulSet", "mongodb"));
                assert.strictEqual(statefulSet.spec.replicas, 1);
                const mongod = container(findOne(run, "StatefulSet"));
                assert.strictEqual(mongod.image, setting(stack, "mongoImage"));
                assert.ok(mongod.args.includes("--noscripting"));
                assert.strictEqual(statefulSet.spec.serviceName, "mongodb");
            });

            it("probes with the shell that the 4.x image ships", () => {
                const mongod = container(findOne(run, "StatefulSet"));
                for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
                    assert.strictEqual(mongod[probe].exec.command[0], "mongo", probe);
                    assert.ok(mongod[probe].exec.command.join(" ").includes("ping"), probe);
                }
            });

            it("keeps its data on a PVC from volumeClaimTemplates, sized by config", () => {
                const statefulSet = spec(findOne(run, "StatefulSet"));
                const [claim] = statefulSet.spec.volumeClaimTemplates;
                assert.strictEqual(claim.spec.resources.requests.storage, setting(stack, "mongoStorageSize"));
                assert.deepStrictEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
                const mounts = container(findOne(run, "StatefulSet")).volumeMounts;
                assert.ok(mounts.some((m: any) => m.name === claim.metadata.name && m.mountPath === "/data/db"));
            });

            it("requests and limits come from config", () => {
                assert.deepStrictEqual(container(findOne(run, "StatefulSet")).resources, configuredResources(stack, "mongo"));
            });

            it("runs as the image's non-root mongodb user with fsGroup, hardened", () => {
                const pod = spec(findOne(run, "StatefulSet")).spec.template.spec;
                assert.deepStrictEqual(pod.securityContext, {
                    runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999,
                    seccompProfile: { type: "RuntimeDefault" },
                });
                const security = container(findOne(run, "StatefulSet")).securityContext;
                assert.strictEqual(security.allowPrivilegeEscalation, false);
                assert.deepStrictEqual(security.capabilities.drop, ["ALL"]);
                assert.strictEqual(pod.automountServiceAccountToken, false);
            });

            it("root and application passwords are random and reach the pod only through the Secret", () => {
                const secret = findOne(run, "Secret", "mongodb-credentials");
                const data = spec(secret).stringData;
                assert.strictEqual(data.MONGO_INITDB_ROOT_PASSWORD, SENTINELS.password("mongodb-root-password"));
                assert.strictEqual(data.MONGO_APP_PASSWORD, SENTINELS.password("mongodb-app-password"));
                assert.ok(isSecretValue(secret.inputs.stringData), "the Secret's data is a Pulumi secret");
                const env = container(findOne(run, "StatefulSet")).env;
                for (const name of ["MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD", "MONGO_APP_USERNAME", "MONGO_APP_PASSWORD"]) {
                    const variable = env.find((e: any) => e.name === name);
                    assert.deepStrictEqual(variable.valueFrom, { secretKeyRef: { name: "mongodb-credentials", key: name } }, name);
                }
            });

            it("an init script creates the application user with readWrite on the API database only", () => {
                const script = spec(findOne(run, "ConfigMap", "mongodb-init")).data["create-app-user.sh"];
                assert.match(script, /db\.createUser\(/);
                assert.match(script, /roles: \[\{ role: "readWrite", db: "\$MONGO_APP_DATABASE" \}\]/);
                assert.doesNotMatch(script, /SENTINEL|root"|dbAdmin|AnyDatabase/);
                const mongod = container(findOne(run, "StatefulSet"));
                assert.ok(mongod.env.some((e: any) => e.name === "MONGO_APP_DATABASE" && e.value === "restfulapi"));
                const init = mongod.volumeMounts.find((m: any) => m.mountPath === "/docker-entrypoint-initdb.d");
                const volume = spec(findOne(run, "StatefulSet")).spec.template.spec.volumes.find((v: any) => v.name === init.name);
                assert.strictEqual(volume.configMap.name, "mongodb-init");
            });

            it("is reached through a headless Service", () => {
                const service = spec(findOne(run, "Service", "mongodb"));
                assert.strictEqual(service.spec.clusterIP, "None");
                assert.deepStrictEqual(service.spec.ports.map((p: any) => p.port), [27017]);
                const podLabels = spec(findOne(run, "StatefulSet")).spec.template.metadata.labels;
                for (const [k, v] of Object.entries(service.spec.selector)) assert.strictEqual(podLabels[k], v);
            });

            it("a NetworkPolicy admits port 27017 only from the API's pods", () => {
                const policy = spec(findOne(run, "NetworkPolicy", "mongodb-allow-api")).spec;
                const mongoPodLabels = spec(findOne(run, "StatefulSet")).spec.template.metadata.labels;
                const apiPodLabels = spec(findOne(run, "Deployment")).spec.template.metadata.labels;
                for (const [k, v] of Object.entries(policy.podSelector.matchLabels)) assert.strictEqual(mongoPodLabels[k], v);
                assert.deepStrictEqual(policy.policyTypes, ["Ingress"]);
                assert.strictEqual(policy.ingress.length, 1);
                const [rule] = policy.ingress;
                assert.deepStrictEqual(rule.ports, [{ port: 27017, protocol: "TCP" }]);
                assert.strictEqual(rule.from.length, 1);
                assert.deepStrictEqual(Object.keys(rule.from[0]), ["podSelector"], "no namespace or IP block peers");
                const selector = rule.from[0].podSelector.matchLabels;
                assert.ok(Object.keys(selector).length > 0, "an empty selector would admit every pod");
                for (const [k, v] of Object.entries(selector)) assert.strictEqual(apiPodLabels[k], v, `API pods carry ${k}`);
                assert.notDeepStrictEqual(selector, policy.podSelector.matchLabels, "MongoDB does not admit itself only");
            });
        });

        describe("API", () => {
            it("a Secret holds MONGO_URI for the application user, never root", async () => {
                const secret = findOne(run, "Secret", "users-api-mongo");
                assert.ok(isSecretValue(secret.inputs.stringData) ||
                    isSecretValue((secret.inputs.stringData as any).MONGO_URI), "MONGO_URI is a Pulumi secret");
                const uri = spec(secret).stringData.MONGO_URI;
                const password = SENTINELS.password("mongodb-app-password");
                assert.strictEqual(uri,
                    `mongodb://users-api:${password}@mongodb.${stack}.svc.cluster.local:27017/restfulapi?authSource=restfulapi`);
                assert.ok(!uri.includes(SENTINELS.password("mongodb-root-password")));
            });

            it("the Deployment reads MONGO_URI from that Secret and listens on 5000", () => {
                const api = container(findOne(run, "Deployment"));
                const uri = api.env.find((e: any) => e.name === "MONGO_URI");
                assert.deepStrictEqual(uri.valueFrom, { secretKeyRef: { name: "users-api-mongo", key: "MONGO_URI" } });
                assert.ok(api.env.every((e: any) => e.value === undefined || !/mongodb:\/\//.test(e.value)));
                assert.deepStrictEqual(api.ports, [{ name: "http", containerPort: 5000, protocol: "TCP" }]);
            });

            it("runs the configured replicas with a zero-unavailable rolling update", () => {
                const deployment = spec(findOne(run, "Deployment"));
                assert.strictEqual(deployment.spec.replicas, replicas);
                assert.deepStrictEqual(deployment.spec.strategy, {
                    type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
                });
            });

            it("is probed on /healthz for liveness and /readyz for readiness", () => {
                const api = container(findOne(run, "Deployment"));
                assert.deepStrictEqual(api.livenessProbe.httpGet, { path: "/healthz", port: "http" });
                assert.deepStrictEqual(api.readinessProbe.httpGet, { path: "/readyz", port: "http" });
            });

            it("requests and limits come from config", () => {
                assert.deepStrictEqual(container(findOne(run, "Deployment")).resources, configuredResources(stack, "api"));
            });

            it("runs non-root, read-only, without privileges, with an in-memory /tmp", () => {
                const pod = spec(findOne(run, "Deployment")).spec.template.spec;
                assert.strictEqual(pod.securityContext.runAsNonRoot, true);
                assert.ok(pod.securityContext.runAsUser > 0);
                assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
                assert.strictEqual(pod.automountServiceAccountToken, false);
                const api = container(findOne(run, "Deployment"));
                assert.deepStrictEqual(api.securityContext, {
                    allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                });
                const tmp = api.volumeMounts.find((m: any) => m.mountPath === "/tmp");
                const volume = pod.volumes.find((v: any) => v.name === tmp.name);
                assert.strictEqual(volume.emptyDir.medium, "Memory");
            });

            it("gives pods longer to stop than the server's graceful timeout", () => {
                const grace = spec(findOne(run, "Deployment")).spec.template.spec.terminationGracePeriodSeconds;
                assert.ok(grace > serverGracefulTimeout(), `${grace} s > the server's ${serverGracefulTimeout()} s`);
            });

            it("keeps a stopping pod serving until the Service has dropped it, then still leaves the server its graceful timeout", () => {
                const pod = spec(findOne(run, "Deployment")).spec.template.spec;
                const wait = pod.containers[0].lifecycle?.preStop?.exec?.command;
                assert.deepStrictEqual(wait, ["sleep", String(PRE_STOP_SECONDS)]);
                assert.ok(PRE_STOP_SECONDS >= 3, "long enough for the endpoints change to reach every node's proxy rules");
                assert.ok(pod.terminationGracePeriodSeconds > PRE_STOP_SECONDS + serverGracefulTimeout(),
                    `${pod.terminationGracePeriodSeconds} s > ${PRE_STOP_SECONDS} s + the server's ${serverGracefulTimeout()} s`);
            });

            it("makes `pulumi up` wait for the rollout and fail when it stalls", () => {
                const deployment = spec(findOne(run, "Deployment"));
                const annotations = deployment.metadata.annotations ?? {};
                assert.ok(!("pulumi.com/skipAwait" in annotations), "Pulumi's await is not skipped");
                assert.ok(deployment.spec.progressDeadlineSeconds > 0 && deployment.spec.progressDeadlineSeconds <= 600);
            });

            it("a Service of the configured type exposes the API's pods", () => {
                const service = spec(findOne(run, "Service", "users-api")).spec;
                assert.strictEqual(service.type, setting(stack, "serviceType"));
                assert.deepStrictEqual(service.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
                const podLabels = spec(findOne(run, "Deployment")).spec.template.metadata.labels;
                for (const [k, v] of Object.entries(service.selector)) assert.strictEqual(podLabels[k], v);
            });

            it(replicas >= 2 ? "a PodDisruptionBudget keeps one pod up" : "no PodDisruptionBudget with one replica", () => {
                const budgets = run.resources.filter((r) => r.type.endsWith(":PodDisruptionBudget"));
                if (replicas < 2) {
                    assert.strictEqual(budgets.length, 0);
                    return;
                }
                const budget = spec(findOne(run, "PodDisruptionBudget")).spec;
                assert.strictEqual(budget.minAvailable, 1);
                const podLabels = spec(findOne(run, "Deployment")).spec.template.metadata.labels;
                for (const [k, v] of Object.entries(budget.selector.matchLabels)) assert.strictEqual(podLabels[k], v);
            });
        });

        describe("who may reach the API", () => {
            it("a NetworkPolicy admits port 5000 from namespaces not marked untrusted and from outside the pod network only", () => {
                const policy = spec(findOne(run, "NetworkPolicy", "users-api-ingress")).spec;
                const apiPodLabels = spec(findOne(run, "Deployment")).spec.template.metadata.labels;
                for (const [k, v] of Object.entries(policy.podSelector.matchLabels)) assert.strictEqual(apiPodLabels[k], v);
                assert.deepStrictEqual(policy.policyTypes, ["Ingress"]);
                assert.deepStrictEqual(policy.ingress, [{
                    from: [
                        { namespaceSelector: { matchExpressions: [{ key: "xpto.io/untrusted-code", operator: "DoesNotExist" }] } },
                        { ipBlock: { cidr: "0.0.0.0/0", except: [setting(stack, "podNetworkCidrs")] } },
                    ],
                    ports: [{ port: 5000, protocol: "TCP" }],
                }]);
            });

            it(`the namespace is ${stack === "develop" ? "" : "not "}marked as running code that is not master's`, () => {
                const labels = spec(findOne(run, "Namespace", stack)).metadata.labels;
                assert.strictEqual(labels["xpto.io/untrusted-code"], stack === "develop" ? "true" : undefined);
            });
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

describe("the program with a MongoDB 6+ image", () => {
    it("probes with mongosh and creates the application user with mongosh", async () => {
        const config = { ...stackFileConfig("develop"), [`${PROJECT}:mongoImage`]: "mongo:7.0" };
        const run = await runProgram("develop", { config });
        const mongod = container(findOne(run, "StatefulSet"));
        assert.strictEqual(mongod.image, "mongo:7.0");
        for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
            assert.strictEqual(mongod[probe].exec.command[0], "mongosh", probe);
        }
        assert.match(spec(findOne(run, "ConfigMap")).data["create-app-user.sh"], /^mongosh /m);
    });
});

describe("RBAC across both app stacks", () => {
    it("each stack lets only its own lane's deployer write, and only in its own namespace", async () => {
        for (const stack of APP_STACKS) {
            const run = await runProgram(stack);
            const writers = kubernetesObjects(run).map(spec).filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")
                .filter((o) => o.roleRef.name !== "view");
            for (const binding of writers) {
                assert.deepStrictEqual(binding.subjects.map((s: any) => s.namespace), [`jenkins-agents-${stack}`], binding.metadata.name);
                if (binding.kind === "RoleBinding") assert.strictEqual(binding.metadata.namespace, stack);
            }
        }
    });
});

describe("operating the stacks", () => {
    const withSettings = (stack: string, settings: Record<string, string>) =>
        ({ ...stackFileConfig(stack), ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v])) });

    describe("rollback to an earlier image", () => {
        const digest = `sha256:${"9f".repeat(32)}`;
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("production", { config: withSettings("production", { apiImageDigest: digest }) });
        });
        const REPOSITORY = repositoryOf("production");

        it("builds and pushes nothing: no docker.Image is declared", () => {
            assert.deepStrictEqual(run.resources.filter((r) => r.type.startsWith("docker:")), []);
        });

        it("the Deployment runs <repository>@<that digest>, and the stack exports it", async () => {
            assert.strictEqual(container(findOne(run, "Deployment")).image, `${REPOSITORY}@${digest}`);
            assert.strictEqual(await valueOf(run.outputs.imageDigest), `${REPOSITORY}@${digest}`);
        });
    });

    describe("any OCI registry", () => {
        it("builds and pushes to a registry with a port, logging in to that registry", async () => {
            const config = withSettings("develop", { imageRepository: "127.0.0.1:5001/xpto/users-api" });
            const run = await runProgram("develop", { config });
            const image = spec(findOne(run, "Image"));
            assert.strictEqual(image.imageName, `127.0.0.1:5001/xpto/users-api:${FAKE_COMMIT}`);
            assert.deepStrictEqual(image.registry, { server: "127.0.0.1:5001" });
            assert.strictEqual(container(findOne(run, "Deployment")).image, `127.0.0.1:5001/xpto/users-api@${FAKE_DIGEST}`);
            assert.ok(!run.resources.some((r) => r.name.endsWith("-pull")), "a public repository needs no pull Secret");
        });

        for (const [repository, server] of [["127.0.0.1:5001/xpto/users-api", "127.0.0.1:5001"],
            ["docker.io/xpto/users-api", "https://index.docker.io/v1/"]]) {
            it(`a private repository (${repository}): the pods pull with a Secret made from the same credentials`, async () => {
                const config = withSettings("develop", {
                    imageRepository: repository, imageRepositoryPrivate: "true", registryUsername: "xptopull",
                });
                const run = await runProgram("develop", { config, secrets: { [`${PROJECT}:registryPullToken`]: SENTINELS.secret("registryPullToken") } });
                const secret = findOne(run, "Secret", "users-api-pull");
                assert.strictEqual(spec(secret).type, "kubernetes.io/dockerconfigjson");
                assert.ok(sentinelPaths(secret.inputs).every((hit) => hit.secret), "the token is a Pulumi secret");
                const auths = JSON.parse(spec(secret).stringData[".dockerconfigjson"]).auths;
                assert.deepStrictEqual(Object.keys(auths), [server]);
                const token = SENTINELS.secret("registryPullToken");
                assert.strictEqual(auths[server].username, "xptopull");
                assert.strictEqual(auths[server].password, token);
                assert.strictEqual(Buffer.from(auths[server].auth, "base64").toString(), `xptopull:${token}`);
                const pod = spec(findOne(run, "Deployment")).spec.template.spec;
                assert.deepStrictEqual(pod.imagePullSecrets, [{ name: "users-api-pull" }]);
                validateKubernetesObject(secret);
            });
        }
    });

    describe("protected data", () => {
        const KEPT = [
            "Namespace/app-namespace", "RandomPassword/mongodb-app-password", "RandomPassword/mongodb-root-password",
            "Secret/mongodb-credentials", "StatefulSet/mongodb",
        ];
        const protectedIn = (run: ProgramRun) => run.resources.filter((r) => r.options.protect)
            .map((r) => `${r.type.split(":").pop()}/${r.name}`).sort();

        it("production protects the namespace, MongoDB's StatefulSet and its credentials from destroy and replacement", async () => {
            assert.deepStrictEqual(protectedIn(await runProgram("production")), KEPT);
        });

        it("develop protects nothing: it can be torn down at will", async () => {
            assert.deepStrictEqual(protectedIn(await runProgram("develop")), []);
        });

        it("deleting or scaling the StatefulSet keeps the volume (Kubernetes' Retain policy, stated)", async () => {
            const statefulSet = spec(findOne(await runProgram("develop"), "StatefulSet")).spec;
            assert.deepStrictEqual(statefulSet.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        });
    });

    describe("MongoDB's cache follows its memory limit", () => {
        it("the WiredTiger cache is half of (limit - 1 GiB), at least 0.25 GB", () => {
            assert.deepStrictEqual(["256Mi", "512Mi", "1Gi", "1536Mi", "2Gi", "4Gi", "8Gi", "3G"].map(wiredTigerCacheSizeGB),
                [0.25, 0.25, 0.25, 0.25, 0.5, 1.5, 3.5, 0.89]);
        });

        for (const stack of APP_STACKS) {
            it(`${stack}: mongod is told its cache size, below its memory limit`, async () => {
                const args: string[] = container(findOne(await runProgram(stack), "StatefulSet")).args;
                const index = args.indexOf("--wiredTigerCacheSizeGB");
                assert.ok(index > 0, args.join(" "));
                const cacheGB = Number(args[index + 1]);
                assert.strictEqual(cacheGB, wiredTigerCacheSizeGB(setting(stack, "mongoMemoryLimit")));
                assert.ok(cacheGB * 1e9 < Number(bytes(setting(stack, "mongoMemoryLimit"))), "the cache fits in the limit");
            });
        }
    });

    describe("ordering and outputs", () => {
        it("the API rolls out only once MongoDB is ready (the Deployment depends on the StatefulSet)", async () => {
            const run = await runProgram("develop");
            const deployment = findOne(run, "Deployment");
            assert.ok(deployment.options.dependsOn.includes(urnOf(run, findOne(run, "StatefulSet"))),
                deployment.options.dependsOn.join("\n"));
        });

        for (const stack of [...APP_STACKS, "jenkins"]) {
            it(`${stack} exports only values that exist (an undefined output warns on every preview)`, async () => {
                const run = await runProgram(stack);
                for (const [name, value] of Object.entries(run.exported)) {
                    assert.ok(value !== undefined, `${name} is exported undefined`);
                }
                assert.deepStrictEqual(Object.keys(run.exported).sort(), Object.keys(run.outputs).sort());
            });
        }
    });
});
