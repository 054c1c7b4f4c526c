// Prints every object the program declares for each committed stack and the
// variants operators use (S3 backend, private registry, rollback, Ingress), as
// sorted JSON: run it before and after a change that must not change what is
// deployed, and diff the two files.
//
//   npx tsx test/tools/captureObjects.ts > before.json
import { PROJECT } from "../../infra/config";
import { FAKE_DIGEST, ROOT, runProgram, SENTINELS, STACKS, valueOf, withSettings } from "../harness";

const VARIANTS: { name: string; stack: string; settings: Record<string, string>; secrets?: Record<string, string>; dryRun?: boolean }[] = [
    ...STACKS.map((stack) => ({ name: stack, stack, settings: {} })),
    { name: "develop (preview)", stack: "develop", settings: {}, dryRun: true },
    { name: "production (rollback)", stack: "production", settings: { apiImageDigest: FAKE_DIGEST } },
    {
        name: "develop (private registry)", stack: "develop",
        settings: { imageRepository: "registry.example:5000/xpto/users-api", imageRepositoryPrivate: "true", registryUsername: "puller" },
        secrets: { [`${PROJECT}:registryPullToken`]: SENTINELS.secret("registryPullToken") },
    },
    { name: "jenkins (S3, Ingress)", stack: "jenkins", settings: { pipelineBackendUrl: "s3://xpto-state?region=eu-west-1", jenkinsIngressHost: "jenkins.xpto.example" } },
];

async function main(): Promise<void> {
    const captured: Record<string, unknown> = {};
    for (const variant of VARIANTS) {
        const config = withSettings(variant.stack, variant.settings);
        const run = await runProgram(variant.stack, { config, secrets: variant.secrets, dryRun: variant.dryRun });
        const objects = run.resources.map((r) => {
            const urn = run.urns.find((u) => u.endsWith(`::${r.name}`) && u.split("::")[2].split("$").pop() === r.type);
            return { urn, inputs: r.inputs, options: r.options };
        }).sort((a, b) => String(a.urn).localeCompare(String(b.urn)));
        const outputs: Record<string, unknown> = {};
        for (const key of Object.keys(run.outputs).sort()) outputs[key] = await valueOf(run.outputs[key]);
        captured[variant.name] = { objects, outputs };
    }
    // Paths relative to the checkout, so two checkouts compare equal.
    process.stdout.write(`${JSON.stringify(captured, null, 1).split(ROOT).join("<checkout>")}\n`);
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
