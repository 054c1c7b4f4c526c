// The README's settings table, written from the key table
// (infra/config/settings.ts); test/readme.test.ts checks the README has it.
//
//   npx tsx test/tools/settingsTable.ts           prints the table
//   npx tsx test/tools/settingsTable.ts --write   writes it into README.md
import * as fs from "fs";
import * as path from "path";
import { isSecret, type Setting, SETTINGS_ROWS, type SettingsRow } from "../../infra/config";
import { tableSpan } from "../markdown";

export const SETTINGS_HEADING = "### Settings";

const REQUIRED_WITH: Record<string, string> = {
    "always": "required",
    "pulumi-cloud": "required on Pulumi Cloud",
    "s3": "required on S3",
    "a private repository": "required with a private repository",
};

function whenUnset(setting: Setting): string {
    if (isSecret(setting)) return REQUIRED_WITH[setting.requiredWith];
    return setting.default !== undefined ? `\`${setting.default}\`` : setting.unset ?? "unset";
}

function keysCell(row: SettingsRow): string {
    const entries = Object.entries(row.settings);
    const allSecret = entries.every(([, s]) => isSecret(s));
    const keys = entries.map(([key, s]) => `\`${key}\`${isSecret(s) && !allSecret ? " (**secret**)" : ""}`).join(", ");
    return allSecret ? `${keys} (**${entries.length > 1 ? "secrets" : "secret"}**)` : keys;
}

function stacksCell(row: SettingsRow): string {
    const roles = [...new Set(Object.values(row.settings).map((s) => s.role))];
    return roles.map((role) => role === "shared" ? "every stack" : role).join(", ");
}

function defaultsCell(row: SettingsRow): string {
    const texts = Object.values(row.settings).map(whenUnset);
    return texts.every((t) => t === texts[0]) ? texts[0] : texts.join(", ");
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** The table, one row per row of the key table, as the README has it. */
export function settingsTable(): string {
    const rows = (SETTINGS_ROWS as readonly SettingsRow[])
        .map((row) => `| ${[keysCell(row), stacksCell(row), defaultsCell(row), row.meaning].map(cell).join(" | ")} |`);
    return ["| key | stack | default | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

if (require.main === module) {
    const table = settingsTable();
    if (process.argv.includes("--write")) {
        const file = path.resolve(__dirname, "..", "..", "README.md");
        const readme = fs.readFileSync(file, "utf8");
        const { start, end } = tableSpan(readme, SETTINGS_HEADING);
        const lines = readme.split("\n");
        lines.splice(start, end - start, table);
        fs.writeFileSync(file, lines.join("\n"));
    } else {
        process.stdout.write(`${table}\n`);
    }
}
