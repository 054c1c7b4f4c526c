import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_DEFAULTS } from "../infra/config";
import { ROOT } from "./harness";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The rows of the first table after a heading, as arrays of cells. */
function tableAfter(heading: string): string[][] {
    const lines = README.slice(README.indexOf(heading)).split("\n");
    const start = lines.findIndex((l) => l.startsWith("|"));
    const table = [];
    for (const line of lines.slice(start)) {
        if (!line.startsWith("|")) break;
        table.push(line);
    }
    return table.slice(2).map((row) => row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
}

describe("the README", () => {
    it("points every fixed before-production row at tests that exist", () => {
        const rows = tableAfter("## Before production").filter((row) => row[2].includes("**fixed**"));
        assert.ok(rows.length >= 10, `${rows.length} fixed rows`);
        for (const [point, , status] of rows) {
            // "[file](path) `python_test`, "mocha title…"; [other](path) …": names follow their file's link.
            const parts = status.split(/(?=\[[^\]]+\]\([^)]+\))/).filter((p) => p.startsWith("["));
            assert.ok(parts.length > 0, `"${point}" links no test`);
            for (const part of parts) {
                const file = /^\[[^\]]+\]\(([^)]+)\)/.exec(part)?.[1] ?? "";
                assert.ok(fs.existsSync(path.join(ROOT, file)), `"${point}" links ${file}, which does not exist`);
                const source = fs.readFileSync(path.join(ROOT, file), "utf8");
                for (const [, name] of part.matchAll(/`(test_\w+)`/g)) {
                    assert.ok(source.includes(`def ${name}(`), `"${point}": ${file} has no ${name}`);
                }
                for (const [, title] of part.matchAll(/"([^"]+)"/g)) {
                    // A title written from a template names its parameter as <stack>.
                    const prefix = title.replace(/…$/, "").replace("<stack>", "${stack}");
                    assert.ok(source.includes(`it("${prefix}`) || source.includes(`it(\`${prefix}`),
                        `"${point}": ${file} has no test titled "${title}"`);
                }
            }
        }
    });

    it("documents every stack setting", () => {
        const documented = tableAfter("### Settings").map((row) => row[0]).join(" ");
        for (const key of Object.keys(CONFIG_DEFAULTS)) {
            assert.ok(documented.includes(`\`${key}\``), `the settings table lacks ${key}`);
        }
    });
});
