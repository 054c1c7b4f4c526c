import { SettingsReader } from "./reader";
import { parseApp } from "./app";
import { parseJenkins } from "./jenkins";
import { type RawStackConfig, type StackConfig, StackConfigError } from "./types";

/** Validates the raw stack config and returns it typed, or throws every problem at once. */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
    const r = new SettingsReader(raw);
    const role = r.required("role") ?? "app";
    r.checkRole(role);
    const jenkinsNamespace = r.required("jenkinsNamespace") ?? "";
    const config: StackConfig = {
        stack: raw.stack,
        role,
        jenkinsNamespace,
        podNetworkCidrs: r.required("podNetworkCidrs") ?? [],
        app: role === "app" ? parseApp(r, jenkinsNamespace) : undefined,
        jenkins: role === "jenkins" ? parseJenkins(r) : undefined,
    };
    if (r.problems.length > 0) {
        throw new StackConfigError(r.problems);
    }
    return config;
}
