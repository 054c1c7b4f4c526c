import { execFileSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./parse";
import { PROJECT, SECRET_KEYS } from "./settings";
import type { RawStackConfig, StackConfig } from "./types";

function currentGitCommit(): string | undefined {
    if (process.env.GIT_COMMIT) {
        return process.env.GIT_COMMIT;
    }
    try {
        return execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
        return undefined;
    }
}

/** Reads this stack's config from Pulumi and the environment, and validates it. */
export function loadStackConfig(): StackConfig {
    const prefix = `${PROJECT}:`;
    const values: Record<string, string | undefined> = {};
    for (const [key, v] of Object.entries(pulumi.runtime.allConfig())) {
        const name = key.slice(prefix.length);
        if (key.startsWith(prefix) && !(SECRET_KEYS as readonly string[]).includes(name)) {
            values[name] = v;
        }
    }
    const config = new pulumi.Config(PROJECT);
    const secrets: RawStackConfig["secrets"] = {};
    for (const name of SECRET_KEYS) {
        const secret = config.getSecret(name);
        if (secret !== undefined) secrets[name] = secret;
    }
    return parseStackConfig({
        stack: pulumi.getStack(), values, secrets, gitCommit: currentGitCommit(), dryRun: pulumi.runtime.isDryRun(),
    });
}
