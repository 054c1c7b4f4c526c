// The map of the system: read the stack's config, create one component per
// concern, export what operators and the pipeline need. Details live in infra/.
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { ApiImage } from "./infra/apiImage";
import { loadStackConfig } from "./infra/config";
import { DeployerAccess } from "./infra/deployerAccess";
import { Jenkins } from "./infra/jenkins";
import { MONGO_PORT, MongoDb } from "./infra/mongodb";
import { API_POD_LABELS, UsersApi } from "./infra/usersApi";
import { componentLabels } from "./infra/workload";

const config = loadStackConfig();

const namespace = new k8s.core.v1.Namespace("app-namespace", {
    metadata: { name: config.namespace, labels: componentLabels("users-api") },
});
const ns = namespace.metadata.name;

const image = new ApiImage("users-api-image", { image: config.image, context: path.join(__dirname, "app") });

const mongo = new MongoDb("mongodb", {
    namespace: ns,
    mongo: config.mongo,
    database: config.api.database,
    clientPodLabels: API_POD_LABELS,
});

const api = new UsersApi("users-api", {
    namespace: ns,
    api: config.api,
    imageDigest: image.repoDigest,
    mongoHost: mongo.host,
    mongoPort: MONGO_PORT,
    mongoUsername: mongo.appUsername,
    mongoPassword: mongo.appPassword.result,
});

new DeployerAccess("pipeline-deployer", {
    namespace: ns,
    agentNamespace: config.jenkins.namespace,
    agentServiceAccount: config.jenkins.agentServiceAccount,
});

// Only the stack that owns Jenkins declares it; the pipeline never updates it (see Jenkinsfile).
const jenkins = config.jenkins.owned
    ? new Jenkins("jenkins", {
        jenkins: config.jenkins,
        dockerHubUsername: config.image.username,
        dockerHubToken: config.image.token,
    })
    : undefined;

export const appNamespace = ns;
export const imageDigest = image.repoDigest;
export const apiServiceName = api.service.metadata.name;
export const apiUrl = api.url;
export const mongoHost = mongo.host;
export const jenkinsNamespace = jenkins?.namespace.metadata.name;
export const jenkinsUrl = jenkins?.url;
export const jenkinsAdminSecretName = jenkins?.adminSecretName;
