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

// Deleting the namespace deletes MongoDB's volume with it: protected where the data matters.
const namespace = new k8s.core.v1.Namespace("app-namespace", {
    metadata: { name: config.namespace, labels: componentLabels("users-api") },
}, { protect: config.protectData });
const ns = namespace.metadata.name;

const image = new ApiImage("users-api-image", { image: config.image, context: path.join(__dirname, "app") });

const mongo = new MongoDb("mongodb", {
    namespace: ns,
    mongo: config.mongo,
    database: config.api.database,
    clientPodLabels: API_POD_LABELS,
    protectData: config.protectData,
});

const { registryServer, username, token } = config.image;
const api = new UsersApi("users-api", {
    namespace: ns,
    api: config.api,
    imageDigest: image.repoDigest,
    mongoHost: mongo.host,
    mongoPort: MONGO_PORT,
    mongoUsername: mongo.appUsername,
    mongoPassword: mongo.appPassword.result,
    pullCredentials: config.image.private ? { server: registryServer, username, token } : undefined,
    waitFor: [mongo.statefulSet],
});

new DeployerAccess("pipeline-deployer", {
    namespace: ns,
    agentNamespace: config.jenkins.namespace,
    agentServiceAccount: config.jenkins.agentServiceAccount,
});

// Only the stack that owns Jenkins declares it; the pipeline never updates it (see Jenkinsfile).
const jenkins = config.jenkins.owned
    ? new Jenkins("jenkins", { jenkins: config.jenkins, registryUsername: username, registryToken: token })
    : undefined;

// Stack outputs: only what exists on this stack (an undefined output would warn on every preview).
export = {
    appNamespace: ns,
    imageDigest: image.repoDigest,
    apiServiceName: api.service.metadata.name,
    apiUrl: api.url,
    mongoHost: mongo.host,
    ...(jenkins && {
        jenkinsNamespace: jenkins.namespace.metadata.name,
        jenkinsUrl: jenkins.url,
        jenkinsAdminSecretName: jenkins.adminSecretName,
    }),
};
