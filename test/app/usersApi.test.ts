// The users API: its Deployment, Service, disruption budget and connection Secret.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { MAX_REPLICAS } from "../../infra/config";
import { PRE_STOP_SECONDS, usersApiDeploymentSpec, usersApiDisruptionBudgetSpec } from "../../infra/app/usersApi/deployment";
import { mongoUri } from "../../infra/app/usersApi/mongoUri";
import { APP_STACKS, committedRun, findOne, ProgramRun, ROOT, SENTINELS, urnOf } from "../harness";
import { isSecretValue, spec } from "../kubernetesSchema";
import { podSecurityViolations } from "../podSecurity";
import { configuredResources, container, setting } from "./appStack";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read deep, loosely typed Kubernetes specs */

/** How long the image's server lets requests in flight finish after SIGTERM (app/server.py). */
function serverGracefulTimeout(): number {
    const text = fs.readFileSync(path.join(ROOT, "app", "server.py"), "utf8");
    const match = /^GRACEFUL_TIMEOUT_S\s*=\s*(\d+)/m.exec(text);
    assert.ok(match, "app/server.py sets GRACEFUL_TIMEOUT_S");
    return Number(match[1]);
}

for (const stack of APP_STACKS) {
    describe(`the program on stack ${stack}`, () => {
        let run: ProgramRun;
        const replicas = Number(setting(stack, "replicas"));

        before(async () => {
            run = await committedRun(stack);
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
    });
}

describe("operating the stacks", () => {
    describe("ordering", () => {
        it("the API rolls out only once MongoDB is ready (the Deployment depends on the StatefulSet)", async () => {
            const run = await committedRun("develop");
            const deployment = findOne(run, "Deployment");
            assert.ok(deployment.options.dependsOn.includes(urnOf(run, findOne(run, "StatefulSet"))),
                deployment.options.dependsOn.join("\n"));
        });
    });
});

describe("the API's specs, built without a program run", () => {
    const deployment = (replicas: number, pullSecretName?: string) => usersApiDeploymentSpec({
        replicas,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        imageDigest: `xpto/users-api@sha256:${"ab".repeat(32)}`,
        database: "restfulapi",
        mongoSecretName: "the-mongo-secret",
        pullSecretName,
    }) as any;

    it("the pod meets restricted Pod Security, with or without a pull Secret", () => {
        for (const pull of [undefined, "the-pull-secret"]) {
            assert.deepStrictEqual(podSecurityViolations(deployment(2, pull).template.spec, "restricted"), [], String(pull));
        }
    });

    it("the pods pull with a pull Secret exactly when there is one", () => {
        assert.strictEqual(deployment(1).template.spec.imagePullSecrets, undefined);
        assert.deepStrictEqual(deployment(1, "the-pull-secret").template.spec.imagePullSecrets, [{ name: "the-pull-secret" }]);
    });

    it("from two replicas a disruption budget keeps a pod up and still lets a drain evict one, for any replica count", () => {
        for (let replicas = 1; replicas <= MAX_REPLICAS; replicas += 1) {
            const budget = usersApiDisruptionBudgetSpec(replicas) as any;
            if (replicas < 2) {
                assert.strictEqual(budget, undefined, "one replica: a budget would block every drain");
                continue;
            }
            assert.ok(budget.minAvailable >= 1 && budget.minAvailable < replicas, `${replicas} replicas, minAvailable ${budget.minAvailable}`);
            const podLabels = deployment(replicas).template.metadata.labels;
            for (const [k, v] of Object.entries(budget.selector.matchLabels)) assert.strictEqual(podLabels[k], v, k);
        }
    });

    it("the connection string logs the application user in against the API's own database", () => {
        const uri = new URL(mongoUri({ host: "mongodb.ns.svc.cluster.local", port: 27017, username: "app", password: "s3cret", database: "restfulapi" }));
        assert.strictEqual(uri.protocol, "mongodb:");
        assert.deepStrictEqual([uri.username, uri.password, uri.host], ["app", "s3cret", "mongodb.ns.svc.cluster.local:27017"]);
        assert.strictEqual(uri.pathname, "/restfulapi");
        assert.strictEqual(uri.searchParams.get("authSource"), "restfulapi", "never the admin database");
    });
});
