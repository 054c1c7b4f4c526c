// The API image: built from app/ and pushed by tag, run by digest; rollbacks build nothing; any OCI registry.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../../infra/config";
import { APP_STACKS, committedRun, FAKE_COMMIT, FAKE_DIGEST, findOne, ProgramRun, ROOT, runProgram, SENTINELS, valueOf, withSettings } from "../harness";
import { spec, validateKubernetesObject } from "../kubernetesSchema";
import { container, repositoryOf, sentinelPaths } from "./appStack";

for (const stack of APP_STACKS) {
    describe(`the program on stack ${stack}`, () => {
        let run: ProgramRun;
        const REPOSITORY = repositoryOf(stack);

        before(async () => {
            run = await committedRun(stack);
        });

        describe("image", () => {
            it("builds app/ and pushes <repository>:<git commit> with the machine's docker login, no token in state", () => {
                const image = spec(findOne(run, "Image"));
                assert.strictEqual(image.imageName, `${REPOSITORY}:${FAKE_COMMIT}`);
                assert.strictEqual(image.build.context, path.join(ROOT, "app"));
                assert.strictEqual(image.build.dockerfile, path.join(ROOT, "app", "Dockerfile"));
                assert.ok(fs.existsSync(image.build.dockerfile), "the Dockerfile exists");
                assert.deepStrictEqual(image.registry, { server: "docker.io" }, "credentials come from ~/.docker/config.json");
                assert.strictEqual(image.buildOnPreview, false, "previews build nothing");
            });

            it("the Deployment runs the pushed image by digest, never by tag", () => {
                assert.strictEqual(container(findOne(run, "Deployment")).image, `${REPOSITORY}@${FAKE_DIGEST}`);
            });
        });
    });
}

describe("operating the stacks", () => {
    describe("rollback to an earlier image", () => {
        const digest = `sha256:${"9f".repeat(32)}`;
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("production", { config: withSettings("production", { apiImageDigest: digest }) });
        });
        const REPOSITORY = repositoryOf("production");

        it("builds and pushes nothing: no docker.Image is declared", () => {
            assert.deepStrictEqual(run.resources.filter((r) => r.type.startsWith("docker:")), []);
        });

        it("the Deployment runs <repository>@<that digest>, and the stack exports it", async () => {
            assert.strictEqual(container(findOne(run, "Deployment")).image, `${REPOSITORY}@${digest}`);
            assert.strictEqual(await valueOf(run.outputs.imageDigest), `${REPOSITORY}@${digest}`);
        });
    });

    describe("any OCI registry", () => {
        it("builds and pushes to a registry with a port, logging in to that registry", async () => {
            const config = withSettings("develop", { imageRepository: "127.0.0.1:5001/xpto/users-api" });
            const run = await runProgram("develop", { config });
            const image = spec(findOne(run, "Image"));
            assert.strictEqual(image.imageName, `127.0.0.1:5001/xpto/users-api:${FAKE_COMMIT}`);
            assert.deepStrictEqual(image.registry, { server: "127.0.0.1:5001" });
            assert.strictEqual(container(findOne(run, "Deployment")).image, `127.0.0.1:5001/xpto/users-api@${FAKE_DIGEST}`);
            assert.ok(!run.resources.some((r) => r.name.endsWith("-pull")), "a public repository needs no pull Secret");
        });

        for (const [repository, server] of [["127.0.0.1:5001/xpto/users-api", "127.0.0.1:5001"],
            ["docker.io/xpto/users-api", "https://index.docker.io/v1/"]]) {
            it(`a private repository (${repository}): the pods pull with a Secret made from the same credentials`, async () => {
                const config = withSettings("develop", {
                    imageRepository: repository, imageRepositoryPrivate: "true", registryUsername: "xptopull",
                });
                const run = await runProgram("develop", { config, secrets: { [`${PROJECT}:registryPullToken`]: SENTINELS.secret("registryPullToken") } });
                const secret = findOne(run, "Secret", "users-api-pull");
                assert.strictEqual(spec(secret).type, "kubernetes.io/dockerconfigjson");
                assert.ok(sentinelPaths(secret.inputs).every((hit) => hit.secret), "the token is a Pulumi secret");
                const auths = JSON.parse(spec(secret).stringData[".dockerconfigjson"]).auths;
                assert.deepStrictEqual(Object.keys(auths), [server]);
                const token = SENTINELS.secret("registryPullToken");
                assert.strictEqual(auths[server].username, "xptopull");
                assert.strictEqual(auths[server].password, token);
                assert.strictEqual(Buffer.from(auths[server].auth, "base64").toString(), `xptopull:${token}`);
                const pod = spec(findOne(run, "Deployment")).spec.template.spec;
                assert.deepStrictEqual(pod.imagePullSecrets, [{ name: "users-api-pull" }]);
                validateKubernetesObject(secret);
            });
        }
    });
});
