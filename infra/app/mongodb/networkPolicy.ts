import type * as k8s from "@pulumi/kubernetes";
import { selectorLabels } from "../../workload";
import { MONGO_NAME, MONGO_PORT } from "./server";

/** MongoDB's pods admit connections to its port from pods with these labels (the API's), and from nothing else. */
export function mongoNetworkPolicySpec(clientPodLabels: Record<string, string>): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: selectorLabels(MONGO_NAME) },
        policyTypes: ["Ingress"],
        ingress: [{
            from: [{ podSelector: { matchLabels: clientPodLabels } }],
            ports: [{ port: MONGO_PORT, protocol: "TCP" }],
        }],
    };
}
