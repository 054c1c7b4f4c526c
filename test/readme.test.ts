import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_DEFAULTS } from "../infra/config";
import { laneJobDsl } from "../infra/ci/casc/jobs";
import { JOB_NAMES } from "../infra/ci/names";
import { LANES } from "../infra/pipeline";
import { ROOT, stackFileConfig } from "./harness";

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

    it("qualifies every stack it names with the organisation of ci/pulumi-organization", () => {
        const organization = fs.readFileSync(path.join(ROOT, "ci", "pulumi-organization"), "utf8").trim();
        const named = [...README.matchAll(/(?:-s|--stack|stack init) +([\w.-]+\/)?(develop|production|jenkins)\b/g)];
        assert.ok(named.length >= 10, `${named.length} stack names`);
        for (const [text, org] of named) {
            assert.strictEqual(org, `${organization}/`, `"${text}" is not qualified with ${organization}`);
        }
    });

    it("the branch table's jobs discover exactly the branches and pull requests each row names", () => {
        const url = stackFileConfig("jenkins")["xpto-api:jenkinsRepositoryUrl"];
        /** scm-api's headWildcardFilter: space-separated globs on the head name (a PR's is PR-<n>). */
        const discovers = (lane: (typeof LANES)[number], head: string, fromFork: boolean) => {
            const script = laneJobDsl(lane, url);
            if (fromFork) return /gitHubForkDiscovery/.test(script);
            const glob = (patterns: string) => patterns.split(" ").filter(Boolean)
                .some((p) => new RegExp(`^${p.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(head));
            const [, includes, excludes] = /includes\('([^']*)'\)\s*excludes\('([^']*)'\)/.exec(script) ?? [];
            if (includes === undefined) return false;
            const kindFound = head.startsWith("PR-") ? /gitHubPullRequestDiscovery/.test(script) : /gitHubBranchDiscovery \{ strategyId\(3\) \}/.test(script);
            return kindFound && glob(includes) && !glob(excludes);
        };
        const rows = tableAfter("### Branches, lanes and stacks");
        assert.strictEqual(rows.length, 5);
        for (const [build, job] of rows) {
            const jobName = /`([^`]+)`/.exec(job)?.[1];
            const lane = LANES.find((l) => JOB_NAMES[l] === jobName);
            assert.ok(lane, `${jobName} is one of the lanes' jobs`);
            const fromFork = build === "a pull request from a fork";
            const heads = build.startsWith("a pull request") ? ["PR-7"]
                : build === "any other branch" ? ["feature/login", "main", "masterpiece"]
                    : [...build.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
            for (const head of heads) {
                assert.deepStrictEqual(LANES.filter((l) => discovers(l, head, fromFork)), [lane], `${head} is built by ${jobName} alone`);
            }
        }
    });
});
