// A stack's settings: the key table (settings.ts), what each kind of value
// accepts (values.ts), the parser of each role (app.ts, jenkins.ts) and the
// loader that reads them from Pulumi (load.ts).
export { loadStackConfig } from "./load";
export { parseStackConfig } from "./parse";
export {
    type ConfigKey, isSecret, PROJECT, type Role, SECRET_KEYS, type SecretKey, type Setting, SETTINGS, SETTINGS_ROWS,
    type SettingsRow,
} from "./settings";
export { type AppConfig, type JenkinsConfig, type RawStackConfig, StackConfigError } from "./types";
export { bytes, DOCKER_HUB, MAX_REPLICAS, MONGO_MAJORS } from "./values";
