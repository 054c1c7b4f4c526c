// MongoDB: one authenticated replica, its data kept, reached by the API's pods only.
import * as assert from "assert";
import { bytes, MONGO_MAJORS, PROJECT } from "../../infra/config";
import { createAppUserScript, mongoShellFor } from "../../infra/app/mongodb/initScript";
import { mongoNetworkPolicySpec } from "../../infra/app/mongodb/networkPolicy";
import { CREDENTIAL_KEYS, MONGO_PORT } from "../../infra/app/mongodb/server";
import { mongoStatefulSetSpec, wiredTigerCacheSizeGB } from "../../infra/app/mongodb/statefulSet";
import { APP_STACKS, committedRun, findOne, ProgramRun, runProgram, SENTINELS, stackFileConfig } from "../harness";
import { isSecretValue, spec } from "../kubernetesSchema";
import { podSecurityViolations } from "../podSecurity";
import { configuredResources, container, setting } from "./appStack";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read deep, loosely typed Kubernetes specs */

for (const stack of APP_STACKS) {
    describe(`the program on stack ${stack}`, () => {
        let run: ProgramRun;

        before(async () => {
            run = await committedRun(stack);
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

describe("operating the stacks", () => {
    describe("MongoDB's cache follows its memory limit", () => {
        it("the WiredTiger cache is half of (limit - 1 GiB), at least 0.25 GB", () => {
            assert.deepStrictEqual(["256Mi", "512Mi", "1Gi", "1536Mi", "2Gi", "4Gi", "8Gi", "3G"].map(wiredTigerCacheSizeGB),
                [0.25, 0.25, 0.25, 0.25, 0.5, 1.5, 3.5, 0.89]);
        });

        for (const stack of APP_STACKS) {
            it(`${stack}: mongod is told its cache size, below its memory limit`, async () => {
                const args: string[] = container(findOne(await committedRun(stack), "StatefulSet")).args;
                const index = args.indexOf("--wiredTigerCacheSizeGB");
                assert.ok(index > 0, args.join(" "));
                const cacheGB = Number(args[index + 1]);
                assert.strictEqual(cacheGB, wiredTigerCacheSizeGB(setting(stack, "mongoMemoryLimit")));
                assert.ok(cacheGB * 1e9 < Number(bytes(setting(stack, "mongoMemoryLimit"))), "the cache fits in the limit");
            });
        }
    });
});

describe("MongoDB's specs, built without a program run", () => {
    const majors = Array.from({ length: MONGO_MAJORS.max - MONGO_MAJORS.min + 1 }, (_, i) => MONGO_MAJORS.min + i);
    const statefulSet = (majorVersion: number, memoryLimit = "1Gi") => mongoStatefulSetSpec({
        image: `mongo:${majorVersion}.0`,
        majorVersion,
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: memoryLimit } },
        storageSize: "1Gi",
        database: "restfulapi",
        serviceName: "mongodb",
        credentialsSecretName: "the-credentials",
        initScriptsName: "the-init-scripts",
    }) as any;

    it("the pod meets restricted Pod Security for every supported major version", () => {
        for (const major of majors) {
            assert.deepStrictEqual(podSecurityViolations(statefulSet(major).template.spec, "restricted"), [], `mongo ${major}`);
        }
    });

    it("the probes and the init script run the same shell, the one each major version ships", () => {
        for (const major of majors) {
            const [mongod] = statefulSet(major).template.spec.containers;
            const shells = ["startupProbe", "livenessProbe", "readinessProbe"].map((probe) => mongod[probe].exec.command[0]);
            const initShell = /^(\S+) --quiet/m.exec(createAppUserScript(mongoShellFor(major)))?.[1];
            // 6.0 removed the legacy `mongo` shell from the image.
            const shipped = major >= 6 ? "mongosh" : "mongo";
            assert.deepStrictEqual([...shells, initShell], [shipped, shipped, shipped, shipped], `mongo ${major}`);
        }
    });

    it("mongod's cache stays below any memory limit from 512Mi", () => {
        for (const limit of ["512Mi", "768Mi", "1Gi", "1500M", "2Gi", "3G", "6Gi", "16Gi"]) {
            const args: string[] = statefulSet(MONGO_MAJORS.min, limit).template.spec.containers[0].args;
            const cacheGB = Number(args[args.indexOf("--wiredTigerCacheSizeGB") + 1]);
            assert.ok(cacheGB > 0 && cacheGB * 2 ** 30 < Number(bytes(limit)), `${cacheGB} GB under ${limit}`);
        }
    });

    it("mongod reads every credential the Secret holds from it by reference, never as a value", () => {
        const env: any[] = statefulSet(MONGO_MAJORS.min).template.spec.containers[0].env;
        for (const key of CREDENTIAL_KEYS) {
            const variable = env.find((e) => e.name === key);
            assert.deepStrictEqual(variable, { name: key, valueFrom: { secretKeyRef: { name: "the-credentials", key } } }, key);
        }
        assert.ok(env.every((e) => e.value === undefined || !/USER|PASSWORD/.test(e.name)), "no credential as a literal value");
    });

    it("the NetworkPolicy selects MongoDB's own pods and admits only the client pods it is given, on MongoDB's port", () => {
        const clients = { "app.kubernetes.io/name": "some-client" };
        const policy = mongoNetworkPolicySpec(clients) as any;
        const podLabels = statefulSet(MONGO_MAJORS.min).template.metadata.labels;
        for (const [k, v] of Object.entries(policy.podSelector.matchLabels)) assert.strictEqual(podLabels[k], v, k);
        assert.deepStrictEqual(policy.ingress, [{ from: [{ podSelector: { matchLabels: clients } }], ports: [{ port: MONGO_PORT, protocol: "TCP" }] }]);
    });
});
