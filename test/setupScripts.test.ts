// The set-up scripts CI runs first, run for real against stand-in tools.
//
// A real `ferretdb --version` writes its six lines in six separate writes.
// Under `set -o pipefail`, piping that into a reader that stops early (`head`,
// `grep -q`) fails whenever the reader has gone before the next write: the
// writer dies of SIGPIPE and the pipeline reports 141. It happened in CI. The
// stand-in here pauses between its lines, so that race is lost every time.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";
import { scratchDir } from "./scratch";

const INSTALL_FERRETDB = path.join(ROOT, "scripts", "install-ferretdb.sh");
const PINNED = /^VERSION=(v[\d.]+)$/m.exec(fs.readFileSync(INSTALL_FERRETDB, "utf8"))?.[1] ?? "";

/** A `ferretdb` that answers --version line by line, pausing after the first. */
function slowFerretdb(version: string): string {
    return `#!/usr/bin/env bash\n[ "$1" = --version ] || exit 2\necho "version: ${version}"\nsleep 0.3\necho "commit: unknown"\n`;
}

interface Layout { root: string; bin: string; goCalls: string; moduleDir: string; pathDir: string }

/**
 * A copy of the script in a project-shaped folder, with a `go` on PATH that
 * records its calls, serves a module folder for `mod download` and, for
 * `build`, writes a slow ferretdb reporting the version file it was built with.
 */
function layout(): Layout {
    const root = scratchDir("xpto-setup-");
    fs.mkdirSync(path.join(root, "scripts"));
    fs.copyFileSync(INSTALL_FERRETDB, path.join(root, "scripts", "install-ferretdb.sh"));
    const moduleDir = path.join(root, "module");
    fs.mkdirSync(path.join(moduleDir, "build", "version"), { recursive: true });
    fs.writeFileSync(path.join(moduleDir, "build", "version", "version.txt"), "");
    const pathDir = path.join(root, "path");
    fs.mkdirSync(pathDir);
    const goCalls = path.join(root, "go-calls.log");
    const template = path.join(root, "ferretdb.template");
    fs.writeFileSync(template, slowFerretdb("@VERSION@"));
    fs.writeFileSync(path.join(pathDir, "go"), [
        "#!/usr/bin/env bash",
        `echo "$*" >>"${goCalls}"`,
        `case "$1" in`,
        `  mod) printf '{"Dir": "%s"}\\n' "${moduleDir}" ;;`,
        `  build) sed "s/@VERSION@/$(cat build/version/version.txt)/" "${template}" >"$3"`,
        `         chmod +x "$3" ;;`,
        "  *) exit 1 ;;",
        "esac",
    ].join("\n"), { mode: 0o755 });
    return { root, bin: path.join(root, ".cache", "tools", "ferretdb"), goCalls, moduleDir, pathDir };
}

function install(at: Layout) {
    const result = spawnSync("bash", [path.join(at.root, "scripts", "install-ferretdb.sh")], {
        encoding: "utf8", env: { ...process.env, PATH: `${at.pathDir}:${process.env.PATH}` },
    });
    const goCalls = fs.existsSync(at.goCalls) ? fs.readFileSync(at.goCalls, "utf8").trim().split("\n") : [];
    return { ...result, goCalls };
}

function placeInstalled(at: Layout, version: string): void {
    fs.mkdirSync(path.dirname(at.bin), { recursive: true });
    fs.writeFileSync(at.bin, slowFerretdb(version), { mode: 0o755 });
}

describe("scripts/install-ferretdb.sh", function () {
    this.timeout(20000);

    it("pins a FerretDB release", () => {
        assert.match(PINNED, /^v1\.24\.\d+$/);
    });

    it("keeps an installed FerretDB of the pinned version without building, however it writes its version", () => {
        const at = layout();
        placeInstalled(at, PINNED);
        const run = install(at);
        assert.strictEqual(run.status, 0, run.stderr);
        assert.deepStrictEqual(run.goCalls, []);
    });

    it("builds a missing FerretDB from the module with the release's version file written, and reports its version", () => {
        const at = layout();
        const run = install(at);
        assert.strictEqual(run.status, 0, `${run.stdout}\n${run.stderr}`);
        assert.deepStrictEqual(run.goCalls.map((call) => call.split(" ").slice(0, 2).join(" ")), ["mod download", "build -o"]);
        assert.ok(run.goCalls[0].endsWith(`github.com/FerretDB/FerretDB@${PINNED}`), run.goCalls[0]);
        assert.strictEqual(run.stdout.trim(), `version: ${PINNED}`);
        assert.strictEqual(execFileSync(at.bin, ["--version"], { encoding: "utf8" }).split("\n")[0], `version: ${PINNED}`);
    });

    it("rebuilds an installed FerretDB of another version", () => {
        const at = layout();
        placeInstalled(at, "v1.23.0");
        const run = install(at);
        assert.strictEqual(run.status, 0, `${run.stdout}\n${run.stderr}`);
        assert.strictEqual(run.goCalls.length, 2);
        assert.strictEqual(run.stdout.trim(), `version: ${PINNED}`);
    });
});

describe("the project's shell scripts", () => {
    // The static guard for the race above, for every script: under pipefail, a
    // pipeline must not end in a reader that may stop before its writer does.
    it("never pipe into a reader that stops early while pipefail is on", () => {
        const scripts = execFileSync("git", ["ls-files", "*.sh"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
        assert.ok(scripts.includes("scripts/install-ferretdb.sh"));
        const offending = scripts.flatMap((script) => {
            const text = fs.readFileSync(path.join(ROOT, script), "utf8");
            if (!/pipefail/.test(text)) return [];
            return text.split("\n").map((line, i) => ({ line, where: `${script}:${i + 1}` }))
                .filter(({ line }) => /\|\s*(head\b|grep\s+-\w*[qm])/.test(line.replace(/#.*$/, "")))
                .map(({ where, line }) => `${where}: ${line.trim()}`);
        });
        assert.deepStrictEqual(offending, []);
    });
});
