// The shell helpers the Jenkinsfile runs in the agent's pulumi container, run
// for real with a stand-in `pulumi` on PATH that records what it was given.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./harness";

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "xpto-ci-"));
}

/** Runs a ci/ script with exactly `env` (plus PATH), a recording `pulumi` first on PATH. */
function runScript(script: string, args: string[], env: Record<string, string>) {
    const bin = tempDir();
    const record = path.join(bin, "calls.log");
    fs.writeFileSync(path.join(bin, "pulumi"),
        `#!/usr/bin/env bash\nprintf '%s|passphrase=%s\\n' "$*" "\${PULUMI_CONFIG_PASSPHRASE:-}" >>"${record}"\n`, { mode: 0o755 });
    const result = spawnSync("bash", [path.join(ROOT, "ci", script), ...args], {
        cwd: ROOT, encoding: "utf8", env: { PATH: `${bin}:${process.env.PATH}`, HOME: bin, ...env },
    });
    const calls = fs.existsSync(record) ? fs.readFileSync(record, "utf8").trim().split("\n") : [];
    return { ...result, calls, home: bin };
}

describe("ci/with-pulumi-login.sh", () => {
    const cloud = { PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_ACCESS_TOKEN: "SENTINEL-token" };

    it("logs in to the lane's backend, then runs the command, printing no secret", () => {
        const run = runScript("with-pulumi-login.sh", ["production", "pulumi", "up", "--yes", "--stack", "xpto/production"], cloud);
        assert.strictEqual(run.status, 0, run.stderr);
        assert.deepStrictEqual(run.calls, [
            "login --non-interactive https://api.pulumi.com|passphrase=",
            "up --yes --stack xpto/production|passphrase=",
        ]);
        assert.ok(!`${run.stdout}${run.stderr}`.includes("SENTINEL"));
    });

    it("a preview of a self-managed stack gets that stack's passphrase, not the other's", () => {
        const env = {
            PULUMI_BACKEND_URL: "s3://xpto-state", PULUMI_CONFIG_PASSPHRASE_PRODUCTION: "SENTINEL-prod",
            PULUMI_CONFIG_PASSPHRASE_DEVELOP: "SENTINEL-dev",
        };
        for (const [stack, passphrase] of [["production", "SENTINEL-prod"], ["develop", "SENTINEL-dev"]]) {
            const run = runScript("with-pulumi-login.sh", [stack, "pulumi", "preview"], env);
            assert.strictEqual(run.status, 0, run.stderr);
            assert.strictEqual(run.calls[1], `preview|passphrase=${passphrase}`);
        }
    });

    it("a deploying lane keeps the one passphrase it holds", () => {
        const run = runScript("with-pulumi-login.sh", ["develop", "pulumi", "up"],
            { PULUMI_BACKEND_URL: "s3://xpto-state", PULUMI_CONFIG_PASSPHRASE: "SENTINEL-dev" });
        assert.strictEqual(run.calls[1], "up|passphrase=SENTINEL-dev");
    });

    it("without the lane's Secret in the pod it stops before running anything, saying why", () => {
        const run = runScript("with-pulumi-login.sh", ["develop", "pulumi", "up"], {});
        assert.notStrictEqual(run.status, 0);
        assert.match(run.stderr, /PULUMI_BACKEND_URL is not set: is the pipeline-credentials Secret of the lane in the pod\?/);
        assert.deepStrictEqual(run.calls, []);
    });

    it("the command's failure is the script's failure", () => {
        const run = runScript("with-pulumi-login.sh", ["develop", "bash", "-c", "exit 7"], cloud);
        assert.strictEqual(run.status, 7);
    });
});

describe("ci/registry-login.sh", () => {
    const credentials = { REGISTRY_USERNAME: "xptodeploy", REGISTRY_TOKEN: "SENTINEL-push-token" };

    function config(home: string): { auths: Record<string, { auth: string }> } {
        return JSON.parse(fs.readFileSync(path.join(home, ".docker", "config.json"), "utf8"));
    }

    for (const [server, key] of [["docker.io", "https://index.docker.io/v1/"], ["127.0.0.1:5001", "127.0.0.1:5001"],
        ["ghcr.io", "ghcr.io"]]) {
        it(`writes Docker's credentials for ${server} under the key Docker looks up (${key}), readable by its owner only`, () => {
            const run = runScript("registry-login.sh", [], { ...credentials, REGISTRY_SERVER: server });
            assert.strictEqual(run.status, 0, run.stderr);
            const auths = config(run.home).auths;
            assert.deepStrictEqual(Object.keys(auths), [key]);
            assert.strictEqual(Buffer.from(auths[key].auth, "base64").toString(), "xptodeploy:SENTINEL-push-token");
            assert.strictEqual(fs.statSync(path.join(run.home, ".docker", "config.json")).mode & 0o777, 0o600);
            assert.ok(!`${run.stdout}${run.stderr}`.includes("SENTINEL"));
        });
    }

    it("refuses to run in a lane without registry credentials (previews)", () => {
        const run = runScript("registry-login.sh", [], {});
        assert.notStrictEqual(run.status, 0);
        assert.match(run.stderr, /REGISTRY_SERVER is not set: only deploying lanes push/);
    });
});
