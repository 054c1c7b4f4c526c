// Runs the Pulumi program under mocks, once per stack, and records every
// resource it declares. Shared by the infra test files.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { isSecret, PROJECT, SECRET_KEYS, type SecretKey, SETTINGS } from "../infra/config";

export const ROOT = path.resolve(__dirname, "..");
/** The committed app stacks; `jenkins` is the third committed stack. */
export const APP_STACKS = ["develop", "production"] as const;
export const STACKS = [...APP_STACKS, "jenkins"] as const;
export type StackName = (typeof STACKS)[number];

/** Values nothing but Secret data may ever contain. */
export const SENTINELS = {
    secret: (key: SecretKey) => `SENTINEL-${key}`,
    password: (name: string) => `SENTINEL-password-${name}`,
    prefix: "SENTINEL-",
} as const;

/** The secrets the key table says an operator sets on a stack of this role and backend (with --secret), as sentinels. */
export function sentinelSecrets(role: "app" | "jenkins", backend: "pulumi-cloud" | "s3" = "pulumi-cloud"): Record<string, string> {
    const wanted = SECRET_KEYS.filter((key) => {
        const setting = SETTINGS[key];
        return isSecret(setting) && setting.role === role && (setting.requiredWith === "always" || setting.requiredWith === backend);
    });
    return Object.fromEntries(wanted.map((key) => [`${PROJECT}:${key}`, SENTINELS.secret(key)]));
}
export const FAKE_DIGEST = `sha256:${"ab".repeat(32)}`;
export const FAKE_COMMIT = "0123456789abcdef0123456789abcdef01234567";

export interface DeclaredResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** Resource options as the engine receives them. */
    options: { protect: boolean; dependsOn: string[] };
}

export interface ProgramRun {
    stack: string;
    resources: DeclaredResource[];
    /** The URN of every resource registered, as the engine would name it. */
    urns: string[];
    outputs: Record<string, pulumi.Output<unknown>>;
    /** Everything the program exports, as Pulumi would turn it into stack outputs. */
    exported: Record<string, unknown>;
}

/** Resolves an Output in a test (the mocks resolve every value, even in preview). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

export function isSecretOutput(output: pulumi.Output<unknown>): Promise<boolean> {
    return pulumi.isSecret(output);
}

function stackFileEntries(stack: string): [string, unknown][] {
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    return Object.entries(doc.config ?? {});
}

const isSecure = (v: unknown) => typeof v === "object" && v !== null && "secure" in v;

/** The committed stack file's plain settings, keyed as Pulumi keys them (`xpto-api:replicas`). */
export function stackFileConfig(stack: string): Record<string, string> {
    return Object.fromEntries(stackFileEntries(stack).filter(([, v]) => !isSecure(v)).map(([k, v]) => [k, String(v)]));
}

/** The keys the committed stack file holds as `secure:` ciphertext (the CLI decrypts them for the program). */
export function stackFileSecureKeys(stack: string): string[] {
    return stackFileEntries(stack).filter(([, v]) => isSecure(v)).map(([k]) => k);
}

/** What the CLI decrypts for the program from the committed file: its `secure:` settings, as sentinels. */
export function stackFileSecrets(stack: string): Record<string, string> {
    return Object.fromEntries(stackFileSecureKeys(stack).map((key) => [key, SENTINELS.secret(key.slice(PROJECT.length + 1) as SecretKey)]));
}

function mockedState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: SENTINELS.password(name) };
        case "docker:index/image:Image": {
            const imageName = String(inputs.imageName);
            return { ...inputs, repoDigest: `${imageName.replace(/:[^:/]+$/, "")}@${FAKE_DIGEST}` };
        }
        default:
            return inputs;
    }
}

/** The parts of @pulumi/pulumi's mock monitor the harness uses. */
interface RegisterRequest { getType(): string; getName(): string; getProtect(): boolean; getDependenciesList(): string[] }
interface MockMonitor {
    registerResource(request: RegisterRequest, callback: (...args: unknown[]) => void): unknown;
    getRegisteredResources(): Map<string, unknown>;
}

/** Drops every module of this project from the require cache so the program runs anew. */
function forgetProgramModules(): void {
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(ROOT) && !id.includes(`${path.sep}node_modules${path.sep}`) && !id.startsWith(__dirname)) {
            Reflect.deleteProperty(require.cache, id);
        }
    }
}

/** Waits until every resource registration the program started has reached the mocks. */
async function registrationsDone(): Promise<void> {
    // `waitForRPCs` is internal to @pulumi/pulumi, but it is what `pulumi up` itself awaits.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
    await settings.waitForRPCs();
}

export interface RunOptions {
    /** Config to use instead of the committed stack file's. */
    config?: Record<string, string>;
    env?: Record<string, string | undefined>;
    /** Which secrets are set: those an operator sets for the stack's role (default), or none at all. */
    secretsFrom?: "operator" | "nowhere";
    /** `pulumi preview` rather than `pulumi up`. */
    dryRun?: boolean;
    /** More secret config (full keys), on top of the sentinel tokens. */
    secrets?: Record<string, string>;
}

/** The program threw; `resources` says what it had declared by then. */
export class ProgramFailure extends Error {
    constructor(public readonly cause: unknown, public readonly resources: DeclaredResource[]) {
        super(`the program failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
}

/**
 * Runs `index.ts` as `pulumi preview -s <stack>` would, with the stack file's
 * config and sentinel secrets, and returns what it declared.
 */
export async function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
    const resources: DeclaredResource[] = [];
    const config = options.config ?? stackFileConfig(stack);
    const role = config[`${PROJECT}:role`] === "jenkins" ? "jenkins" : "app";
    const backend = (config[`${PROJECT}:pipelineBackendUrl`] ?? "").startsWith("s3://") ? "s3" : "pulumi-cloud";
    // The committed file's own `secure:` values are always decrypted; "nowhere" means nothing else is set.
    const secrets: Record<string, string> = {
        ...stackFileSecrets(stack),
        ...(options.secretsFrom === "nowhere" ? {} : sentinelSecrets(role, backend)),
        ...options.secrets,
    };
    pulumi.runtime.setAllConfig({ ...config, ...secrets }, Object.keys(secrets));
    const env = { GIT_COMMIT: FAKE_COMMIT, ...options.env };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env)) {
        if (v === undefined) Reflect.deleteProperty(process.env, k); else process.env[k] = v;
    }
    // The mocks see inputs only; options (protect, dependsOn) travel in the engine's request.
    const optionsByResource = new Map<string, DeclaredResource["options"]>();
    try {
        await pulumi.runtime.setMocks({
            newResource: (args) => {
                const declared = optionsByResource.get(`${args.type}::${args.name}`) ?? { protect: false, dependsOn: [] };
                resources.push({ type: args.type, name: args.name, inputs: args.inputs, options: declared });
                return { id: `${args.name}-id`, state: mockedState(args.type, args.name, args.inputs) };
            },
            call: (args) => args.inputs,
        }, PROJECT, stack, options.dryRun ?? false);
        const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (request, callback) => {
            optionsByResource.set(`${request.getType()}::${request.getName()}`,
                { protect: request.getProtect(), dependsOn: request.getDependenciesList() });
            return register(request, callback);
        };
        forgetProgramModules();
        let program: Record<string, unknown>;
        try {
            // require, not import(): the cache must be cleared between stacks, and index.ts is CommonJS.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            program = require(path.join(ROOT, "index")) as Record<string, unknown>;
        } catch (err) {
            await registrationsDone();
            throw new ProgramFailure(err, resources);
        }
        const outputs = Object.fromEntries(
            Object.entries(program).filter(([, v]) => pulumi.Output.isInstance(v)),
        ) as Record<string, pulumi.Output<unknown>>;
        await Promise.all(Object.values(outputs).map(valueOf));
        await registrationsDone();
        return { stack, resources, urns: [...monitor.getRegisteredResources().keys()], outputs, exported: program };
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) Reflect.deleteProperty(process.env, k); else process.env[k] = v;
        }
    }
}

/** The URN the engine gave a declared resource (its type and name are unique in this program). */
export function urnOf(run: ProgramRun, resource: DeclaredResource): string {
    const urn = run.urns.find((u) => u.endsWith(`::${resource.name}`) && u.split("::")[2].split("$").pop() === resource.type);
    if (urn === undefined) throw new Error(`no URN for ${resource.type} ${resource.name}`);
    return urn;
}

/** Every Kubernetes object declared (Helm releases aside). */
export function kubernetesObjects(run: ProgramRun): DeclaredResource[] {
    return run.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.includes(":helm.sh/"));
}

export function findOne(run: ProgramRun, kind: string, name?: string): DeclaredResource {
    const found = run.resources.filter((r) => !r.type.startsWith("xpto:") && r.type.endsWith(`:${kind}`) &&
        (name === undefined || (r.inputs.metadata as { name?: string } | undefined)?.name === name));
    if (found.length !== 1) {
        throw new Error(`expected one ${kind}${name ? ` named ${name}` : ""} in ${run.stack}, found ${found.length}`);
    }
    return found[0];
}

/** A committed stack file's settings with some changed, as an operator would change them. */
export function withSettings(stack: string, settings: Record<string, string>): Record<string, string> {
    return { ...stackFileConfig(stack), ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v])) };
}

const committedRuns = new Map<string, Promise<ProgramRun>>();

/**
 * The program run on a committed stack file, as it is: once per suite, since
 * the tests only read what it declared (a run with other settings is its own).
 */
export function committedRun(stack: string): Promise<ProgramRun> {
    let run = committedRuns.get(stack);
    if (run === undefined) {
        run = runProgram(stack);
        committedRuns.set(stack, run);
    }
    return run;
}
