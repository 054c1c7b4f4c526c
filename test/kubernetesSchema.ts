// Validates declared Kubernetes objects against the Kubernetes OpenAPI schema
// (as packaged by kubernetes-models), the way the API server would.
import type { DeclaredResource } from "./harness";

/** The marker Pulumi's serializer wraps secret values in. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Whether a serialized input is a Pulumi secret. */
export function isSecretValue(value: unknown): boolean {
    return typeof value === "object" && value !== null && SECRET_SIG in value;
}

/** The plain object the Kubernetes provider would send: secret wrappers removed. */
export function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (typeof value === "object" && value !== null) {
        if (isSecretValue(value)) return plain((value as { value: unknown }).value);
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}

/** A declared resource's inputs as plain data, for assertions that read deep into a spec. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes specs are read loosely in tests
export function spec(resource: DeclaredResource): any {
    return plain(resource.inputs);
}

interface Validatable { validate(): void }
type ModelClass = new (data: unknown) => Validatable;

/** `kubernetes:apps/v1:Deployment` -> the kubernetes-models class for it. */
function modelFor(type: string): ModelClass {
    const match = /^kubernetes:([^/]+)\/([^:]+):(\w+)$/.exec(type);
    if (!match) throw new Error(`not a Kubernetes resource type: ${type}`);
    const [, group, version, kind] = match;
    const modulePath = group === "core" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const model = (require(modulePath) as Record<string, ModelClass | undefined>)[kind];
    if (!model) throw new Error(`no schema for ${type}`);
    return model;
}

/** Throws with the schema's message when the object is not valid Kubernetes. */
export function validateKubernetesObject(resource: DeclaredResource): void {
    const Model = modelFor(resource.type);
    new Model(plain(resource.inputs)).validate();
}
