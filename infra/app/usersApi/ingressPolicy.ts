import type * as k8s from "@pulumi/kubernetes";
import { UNTRUSTED_LABEL } from "../../pipeline";
import { API_POD_LABELS, API_PORT } from "./server";

/**
 * Who may connect to the API's pods: any pod of a namespace where only
 * master's code runs, and anything outside the cluster's pod network (a load
 * balancer, a node, an ingress controller on the host network) — never a pod
 * of a namespace labelled as running code that is not master's (the develop
 * app namespace, the develop, preview and fork lanes), whose labels no
 * pipeline identity can change.
 */
export function usersApiIngressPolicySpec(podNetworkCidrs: readonly string[]): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: API_POD_LABELS },
        policyTypes: ["Ingress"],
        ingress: [{
            from: [
                { namespaceSelector: { matchExpressions: [{ key: UNTRUSTED_LABEL, operator: "DoesNotExist" }] } },
                { ipBlock: { cidr: "0.0.0.0/0", except: [...podNetworkCidrs] } },
            ],
            ports: [{ port: API_PORT, protocol: "TCP" }],
        }],
    };
}
