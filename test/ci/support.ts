// What the jenkins stack's tests share.
import * as assert from "assert";
import type { JenkinsValuesArgs } from "../../infra/ci/helmValues";
import type { DeclaredResource, ProgramRun } from "../harness";

/** Values as the jenkins stack file gives them, for the builders' tests. */
export const VALUES_ARGS: JenkinsValuesArgs = {
    jenkinsNamespace: "jenkins",
    repositoryUrl: "https://github.com/xpto/users-api",
    serviceType: "ClusterIP",
    storageSize: "8Gi",
    credentialsChecksum: "0".repeat(64),
};

/** The one resource of this type suffix and Pulumi name. */
export function named(run: ProgramRun, name: string, kind = ""): DeclaredResource {
    const found = run.resources.filter((r) => r.name === name && r.type.endsWith(kind));
    assert.strictEqual(found.length, 1, `one ${kind || "resource"} named ${name}`);
    return found[0];
}
