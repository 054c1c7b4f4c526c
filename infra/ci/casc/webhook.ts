import * as yaml from "js-yaml";
import { PLUGIN_FACTS } from "../../upstream";
import { CREDENTIAL_IDS } from "../names";

/** Webhook deliveries are accepted only when GitHub signed them with the shared secret. */
export function webhookCasc(): string {
    const { cascRoot, signatureAlgorithm } = PLUGIN_FACTS.webhookSecret;
    return yaml.dump({ unclassified: { [cascRoot]: { hookSecretConfigs: [{ credentialsId: CREDENTIAL_IDS.webhook, signatureAlgorithm }] } } },
        { lineWidth: -1 });
}
