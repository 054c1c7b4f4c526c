// Who may reach the API: never a pod of a namespace running code that is not master's.
import * as assert from "assert";
import { APP_STACKS, findOne, ProgramRun } from "../harness";
import { spec } from "../kubernetesSchema";
import { committedRun, setting } from "./appStack";

for (const stack of APP_STACKS) {
    describe(`the program on stack ${stack}`, () => {
        let run: ProgramRun;

        before(async () => {
            run = await committedRun(stack);
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
    });
}
