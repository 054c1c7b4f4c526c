import * as yaml from "js-yaml";
import { LAUNCHED_LANES } from "../../pipeline";
import { CHART_FACTS, PLUGIN_FACTS } from "../../upstream";
import { CREDENTIAL_IDS, GITHUB_TOKEN, GITHUB_USERNAME, launcherToken, type MountedKey, WEBHOOK_SECRET } from "../names";

/** How JCasC reads a mounted Secret key: never the value itself. */
const mounted = (key: MountedKey) => CHART_FACTS.existingSecretReference(key.name, key.keyName);

/** Secret text only Jenkins itself may use (SYSTEM scope): no build can bind it. */
function systemSecret(id: string, description: string, key: MountedKey) {
    return { [PLUGIN_FACTS.cloudTokenCredential]: { scope: "SYSTEM", id, description, secret: mounted(key) } };
}

/** The credentials JCasC defines, each from a Secret the chart mounts. */
export function credentialsCasc(): string {
    const credentials = [
        // GitHub API calls of the scans, and checkouts: a user and token, never anonymous.
        {
            usernamePassword: {
                scope: "GLOBAL", id: CREDENTIAL_IDS.gitHub, description: "GitHub: scans and checkouts",
                username: mounted(GITHUB_USERNAME), password: mounted(GITHUB_TOKEN),
            },
        },
        // Only Jenkins itself checks webhook signatures.
        systemSecret(CREDENTIAL_IDS.webhook, "GitHub webhook signatures", WEBHOOK_SECRET),
        // Jenkins itself (the lane's cloud) may use a launcher's token.
        ...LAUNCHED_LANES.map((lane) => systemSecret(CREDENTIAL_IDS.launcher(lane), `Launches ${lane} agent pods`, launcherToken(lane))),
    ];
    return yaml.dump({ credentials: { system: { domainCredentials: [{ credentials }] } } }, { lineWidth: -1 });
}
