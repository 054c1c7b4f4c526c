// Who may reach the API: never a pod of a namespace running code that is not master's.
import * as assert from "assert";
import { UNTRUSTED_LABEL } from "../../infra/pipeline";
import { usersApiIngressPolicySpec } from "../../infra/app/usersApi/ingressPolicy";
import { API_PORT } from "../../infra/app/usersApi/server";
import { APP_STACKS, committedRun, findOne, ProgramRun } from "../harness";
import { spec } from "../kubernetesSchema";
import { setting } from "./appStack";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read deep, loosely typed Kubernetes specs */

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

/** An IPv4 address as a number. */
const ipv4 = (address: string) => address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);

function inCidr(address: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base) / size);
}

function selects(selector: any, labels: Record<string, string>): boolean {
    const expressions: any[] = selector.matchExpressions ?? [];
    return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && expressions.every((e) => {
        switch (e.operator) {
            case "Exists": return e.key in labels;
            case "DoesNotExist": return !(e.key in labels);
            case "In": return e.values.includes(labels[e.key]);
            case "NotIn": return !e.values.includes(labels[e.key]);
            default: throw new Error(`unknown operator ${e.operator}`);
        }
    });
}

/**
 * Whether an ingress rule lets a peer connect on a port, as NetworkPolicy reads
 * it: a pod (its namespace's labels and its address in the pod network) or an
 * address outside the cluster.
 */
function admits(policy: any, peer: { namespaceLabels?: Record<string, string>; ip: string }, port: number): boolean {
    return policy.ingress.some((rule: any) => rule.ports.some((p: any) => p.port === port) && rule.from.some((from: any) => {
        if (from.ipBlock) return inCidr(peer.ip, from.ipBlock.cidr) && !from.ipBlock.except.some((c: string) => inCidr(peer.ip, c));
        if (peer.namespaceLabels === undefined) return false;
        return selects(from.namespaceSelector, peer.namespaceLabels) && (from.podSelector === undefined || selects(from.podSelector, {}));
    }));
}

describe("the API's ingress policy, built without a program run", () => {
    for (const podNetworkCidrs of [["10.244.0.0/16"], ["10.42.0.0/16", "172.16.0.0/12"]]) {
        const policy = usersApiIngressPolicySpec(podNetworkCidrs) as any;
        const podAddresses = podNetworkCidrs.map((cidr) => cidr.replace(/\.0\/\d+$/, ".9"));

        it(`pod network ${podNetworkCidrs.join(", ")}: no pod of a namespace marked untrusted gets in, whatever the label's value`, () => {
            for (const value of ["true", "false", ""]) {
                for (const ip of podAddresses) {
                    assert.ok(!admits(policy, { namespaceLabels: { [UNTRUSTED_LABEL]: value }, ip }, API_PORT), `${value} ${ip}`);
                }
            }
        });

        it(`pod network ${podNetworkCidrs.join(", ")}: pods of other namespaces and addresses outside the pod network get in, on the API's port only`, () => {
            for (const ip of podAddresses) {
                assert.ok(admits(policy, { namespaceLabels: { "kubernetes.io/metadata.name": "production" }, ip }, API_PORT), ip);
            }
            assert.ok(admits(policy, { ip: "203.0.113.7" }, API_PORT), "a load balancer or node");
            assert.ok(!admits(policy, { ip: "203.0.113.7" }, API_PORT + 1), "another port");
        });
    }
});
