import * as yaml from "js-yaml";
import { agentNamespace, cloudOf, LAUNCHED_LANES } from "../../pipeline";
import { CHART_FACTS, JENKINS_RELEASE_NAME } from "../../upstream";
import { controllerTunnel, controllerUrl, CREDENTIAL_IDS } from "../names";

/**
 * The launched lanes' clouds, each usable by its own job only; the chart's own
 * cloud is the fork lane's. JCasC merges lists from several files by appending
 * (configuration-as-code's ErrorOnConflictMergeStrategy), so these add to it.
 */
export function cloudsCasc(jenkinsNamespace: string): string {
    const clouds = LAUNCHED_LANES.map((lane) => ({
        kubernetes: {
            name: cloudOf(lane),
            // No serverUrl: with a serverUrl and a credential the client starts from Config.empty(), without the
            // in-cluster CA; without one it takes the in-cluster address and CA and the credential only replaces
            // the token (kubernetes-plugin@4423.vb_59f230b_ce53 KubernetesFactoryAdapter.createClient).
            namespace: agentNamespace(jenkinsNamespace, lane),
            credentialsId: CREDENTIAL_IDS.launcher(lane),
            jenkinsUrl: controllerUrl(jenkinsNamespace),
            jenkinsTunnel: controllerTunnel(jenkinsNamespace),
            usageRestricted: true,
            containerCapStr: "4",
            podLabels: [{ key: CHART_FACTS.agentPodLabel(JENKINS_RELEASE_NAME), value: "true" }],
        },
    }));
    return yaml.dump({ jenkins: { clouds } }, { lineWidth: -1 });
}
