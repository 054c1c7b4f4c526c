// The shell helpers the Jenkinsfile runs in the agent's pulumi container, run
// for real with a stand-in `pulumi` on PATH that records what it was given.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LANE_CREDENTIALS_SECRET } from "../../infra/pipeline";
import { ROOT } from "../harness";
import { scratchDir } from "../scratch";

function tempDir(): string {
    return scratchDir("xpto-ci-");
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

    it("a lane keeps the one passphrase it holds", () => {
        const run = runScript("with-pulumi-login.sh", ["develop", "pulumi", "up"],
            { PULUMI_BACKEND_URL: "s3://xpto-state", PULUMI_CONFIG_PASSPHRASE: "SENTINEL-dev" });
        assert.strictEqual(run.calls[1], "up|passphrase=SENTINEL-dev");
    });

    it("without the lane's Secret in the pod it stops before running anything, saying why", () => {
        const run = runScript("with-pulumi-login.sh", ["develop", "pulumi", "up"], {});
        assert.notStrictEqual(run.status, 0);
        // The Secret the script names is the one the lanes have (infra/pipeline.ts).
        assert.ok(run.stderr.includes(`PULUMI_BACKEND_URL is not set: is the ${LANE_CREDENTIALS_SECRET} Secret of the lane in the pod?`), run.stderr);
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

describe("ci/build-image.sh", () => {
    const DIGEST = `sha256:${"c0".repeat(32)}`;

    /** Runs the script with POSIX sh in a checkout-like folder, a recording stand-in buildctl-daemonless.sh first on PATH. */
    function build(args: string[], env: Record<string, string>, metadata: string | undefined = `{\n  "containerimage.digest": "${DIGEST}",\n  "image.name": "x"\n}`) {
        const bin = tempDir();
        const work = tempDir();
        fs.copyFileSync(path.join(ROOT, "Pulumi.develop.yaml"), path.join(work, "Pulumi.develop.yaml"));
        const record = path.join(bin, "calls.log");
        const writeMetadata = metadata === undefined ? "" : `cat >"$file" <<'JSON'\n${metadata}\nJSON\n`;
        fs.writeFileSync(path.join(bin, "buildctl-daemonless.sh"), `#!/bin/sh
printf '%s\\n' "$*" >>"${record}"
file=
while [ "$#" -gt 0 ]; do [ "$1" = --metadata-file ] && file=$2; shift; done
${writeMetadata}`, { mode: 0o755 });
        const result = spawnSync("sh", [path.join(ROOT, "ci", "build-image.sh"), ...args], {
            cwd: work, encoding: "utf8", env: { PATH: `${bin}:${process.env.PATH}`, ...env },
        });
        const calls = fs.existsSync(record) ? fs.readFileSync(record, "utf8").trim().split("\n") : [];
        const digestFile = path.join(work, ".image-digest");
        return { ...result, calls, digest: fs.existsSync(digestFile) ? fs.readFileSync(digestFile, "utf8") : undefined };
    }

    it("builds app/ and pushes <the stack's imageRepository>:<GIT_COMMIT>, then writes the pushed digest", () => {
        const run = build(["develop"], { GIT_COMMIT: "feedface" });
        assert.strictEqual(run.status, 0, run.stderr);
        assert.deepStrictEqual(run.calls, ["build --frontend dockerfile.v0 --local context=app --local dockerfile=app " +
            "--output type=image,name=docker.io/xpto/users-api-develop:feedface,push=true --metadata-file .image-metadata.json"]);
        assert.strictEqual(run.digest, `${DIGEST}\n`);
    });

    it("fails, writing no digest, when BuildKit reports none", () => {
        const run = build(["develop"], { GIT_COMMIT: "feedface" }, "{}");
        assert.notStrictEqual(run.status, 0);
        assert.match(run.stderr, /BuildKit wrote no image digest/);
        assert.strictEqual(run.digest, undefined);
    });

    it("refuses a stack without a stack file, and a build without Jenkins' GIT_COMMIT, before building", () => {
        const unknown = build(["staging"], { GIT_COMMIT: "feedface" });
        assert.notStrictEqual(unknown.status, 0);
        assert.match(unknown.stderr, /no Pulumi\.staging\.yaml/);
        const noCommit = build(["develop"], {});
        assert.notStrictEqual(noCommit.status, 0);
        assert.match(noCommit.stderr, /GIT_COMMIT is not set/);
        assert.deepStrictEqual([...unknown.calls, ...noCommit.calls], []);
    });
});
