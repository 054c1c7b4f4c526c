import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { laneJobDsl } from "../infra/ci/casc/jobs";
import { JOB_NAMES } from "../infra/ci/names";
import { LANES } from "../infra/pipeline";
import { ROOT, stackFileConfig } from "./harness";
import { headingAnchors, relativeLinks, tableAfter, tableText } from "./markdown";
import { SETTINGS_HEADING, settingsTable } from "./tools/settingsTable";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const DOCS = path.join(ROOT, "docs");
/** The handbook and the reference it links to, by path from the repository's root. */
const DOCUMENTS: Record<string, string> = Object.fromEntries([
    ["README.md", README],
    ...fs.readdirSync(DOCS).filter((name) => name.endsWith(".md"))
        .map((name) => [`docs/${name}`, fs.readFileSync(path.join(DOCS, name), "utf8")]),
]);

describe("the README and docs/", () => {
    it("points every fixed before-production row at tests that exist", () => {
        const document = "docs/before-production.md";
        const rows = tableAfter(DOCUMENTS[document], "# Before production").filter((row) => row[2].includes("**fixed**"));
        assert.ok(rows.length >= 10, `${rows.length} fixed rows`);
        for (const [point, , status] of rows) {
            // "[file](path) `python_test`, "mocha title…"; [other](path) …": names follow their file's link.
            const parts = status.split(/(?=\[[^\]]+\]\([^)]+\))/).filter((p) => p.startsWith("["));
            assert.ok(parts.length > 0, `"${point}" links no test`);
            for (const part of parts) {
                const link = /^\[[^\]]+\]\(([^)#]+)/.exec(part)?.[1] ?? "";
                const file = path.join(ROOT, path.dirname(document), link);
                assert.ok(fs.existsSync(file), `"${point}" links ${link}, which does not exist`);
                const source = fs.readFileSync(file, "utf8");
                for (const [, name] of part.matchAll(/`(test_\w+)`/g)) {
                    assert.ok(source.includes(`def ${name}(`), `"${point}": ${link} has no ${name}`);
                }
                for (const [, title] of part.matchAll(/"([^"]+)"/g)) {
                    // A title written from a template names its parameter as <stack>.
                    const prefix = title.replace(/…$/, "").replace("<stack>", "${stack}");
                    assert.ok(source.includes(`it("${prefix}`) || source.includes(`it(\`${prefix}`),
                        `"${point}": ${link} has no test titled "${title}"`);
                }
            }
        }
    });

    it("documents every stack setting: its settings table is the one the key table writes", () => {
        assert.strictEqual(tableText(README, SETTINGS_HEADING), settingsTable(),
            "regenerate it: npx tsx test/tools/settingsTable.ts --write");
    });

    it("qualifies every stack it names with the organisation of ci/pulumi-organization", () => {
        const organization = fs.readFileSync(path.join(ROOT, "ci", "pulumi-organization"), "utf8").trim();
        const named = Object.entries(DOCUMENTS).flatMap(([document, text]) =>
            [...text.matchAll(/(?:-s|--stack|stack init) +([\w.-]+\/)?(develop|production|jenkins)\b/g)].map((match) => ({ document, match })));
        assert.ok(named.length >= 10, `${named.length} stack names`);
        for (const { document, match: [text, org] } of named) {
            assert.strictEqual(org, `${organization}/`, `${document}: "${text}" is not qualified with ${organization}`);
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
        const rows = tableAfter(README, "### Branches, lanes and stacks");
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

    it("links only files that exist, and headings that exist in them", () => {
        let checked = 0;
        for (const [document, text] of Object.entries(DOCUMENTS)) {
            for (const link of relativeLinks(text)) {
                const [target, anchor] = link.split("#");
                const file = target === "" ? document : path.join(path.dirname(document), decodeURI(target));
                assert.ok(fs.existsSync(path.join(ROOT, file)), `${document} links ${link}: ${file} does not exist`);
                if (anchor !== undefined) {
                    assert.ok(file.endsWith(".md"), `${document} links ${link}: an anchor into a file that is not Markdown`);
                    const anchors = headingAnchors(DOCUMENTS[file] ?? fs.readFileSync(path.join(ROOT, file), "utf8"));
                    assert.ok(anchors.has(anchor), `${document} links ${link}: ${file} has no such heading`);
                }
                checked++;
            }
        }
        assert.ok(checked >= 20, `${checked} links`);
    });

    it("links every document of docs/ from the README", () => {
        const linked = new Set(relativeLinks(README).map((link) => path.normalize(link.split("#")[0])));
        for (const document of Object.keys(DOCUMENTS).filter((name) => name.startsWith("docs/"))) {
            assert.ok(linked.has(document), `the README does not link ${document}`);
        }
    });
});
