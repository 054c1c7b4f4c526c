// A stack's settings: the key table (settings.ts), what each kind of value
// accepts (values.ts), the parser of each role (app.ts, jenkins.ts) and the
// loader that reads them from Pulumi (load.ts).
export { loadStackConfig } from "./load";
export { parseStackConfig } from "./parse";
export {
    type ConfigKey, isSecret, PROJECT, type Role, ROLES, SECRET_KEYS, type SecretKey, type Setting, SETTINGS, SETTINGS_ROWS,
    type SettingsRow,
} from "./settings";
export {
    type AppConfig, type ComputeResources, type ImageConfig, type JenkinsConfig, type LaneSecrets, type RawStackConfig,
    type StackConfig, StackConfigError,
} from "./types";
export {
    type BackendKind, bytes, DOCKER_HUB, JENKINS_SERVICE_TYPES, type JenkinsServiceType, MAX_REPLICAS, MONGO_MAJORS,
    PULUMI_CLOUD_URL, SERVICE_TYPES, type ServiceType, splitRepository,
} from "./values";
