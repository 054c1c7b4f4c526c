// The map of the system: read the stack's config, create one component per
// concern, export what operators and the pipeline need. Details live in infra/.
//
//   role app      (develop, production): the API image, MongoDB, the API, and the
//                 pipeline's rights in the stack's namespace
//   role jenkins  (jenkins): Jenkins and the pipeline's lanes, deployed by operators only
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { ApiImage } from "./infra/app/apiImage";
import { MongoDb } from "./infra/app/mongodb";
import { PipelineAccess } from "./infra/app/pipelineAccess";
import { API_POD_LABELS, UsersApi } from "./infra/app/usersApi";
import { Jenkins } from "./infra/ci/jenkins";
import { LanePodPolicy } from "./infra/ci/lanePodPolicy";
import { PipelineLanes } from "./infra/ci/pipelineLanes";
import { type AppConfig, type JenkinsConfig, loadStackConfig } from "./infra/config";
import { isUntrusted, UNTRUSTED_LABEL } from "./infra/pipeline";
import { componentLabels, podSecurityLabels } from "./infra/workload";

function deployApp(app: AppConfig, jenkinsNamespace: string, podNetworkCidrs: string[]) {
    // Deleting the namespace deletes MongoDB's volume with it: protected where the data matters.
    // Where a lane that runs code other than master's deploys, the namespace says so (the API's NetworkPolicy reads it).
    const trust: Record<string, string> = isUntrusted(app.deployLane) ? { [UNTRUSTED_LABEL]: "true" } : {};
    const namespace = new k8s.core.v1.Namespace("app-namespace", {
        metadata: { name: app.namespace, labels: { ...componentLabels("users-api"), ...trust, ...podSecurityLabels("restricted") } },
    }, { protect: app.protectData });
    const ns = namespace.metadata.name;

    const { repository, registryServer, tag, digest, pull } = app.image;
    const image = new ApiImage("users-api-image", { repository, registryServer, tag, digest, context: path.join(__dirname, "app") });
    const mongo = new MongoDb("mongodb", {
        namespace: ns,
        ...app.mongo,
        database: app.api.database,
        clientPodLabels: API_POD_LABELS,
        protectData: app.protectData,
    });
    const api = new UsersApi("users-api", {
        namespace: ns,
        ...app.api,
        imageDigest: image.repoDigest,
        mongo: mongo.appConnection,
        pullCredentials: pull && { server: registryServer, ...pull },
        waitFor: [mongo.statefulSet],
        podNetworkCidrs,
    });
    new PipelineAccess("pipeline", { namespace: ns, jenkinsNamespace, deployLane: app.deployLane });

    return {
        appNamespace: ns,
        imageDigest: image.repoDigest,
        apiServiceName: api.service.metadata.name,
        apiUrl: api.url,
        mongoHost: mongo.host,
    };
}

function deployJenkins(jenkins: JenkinsConfig, namespaceName: string, podNetworkCidrs: string[]) {
    const namespace = new k8s.core.v1.Namespace("jenkins-namespace", {
        metadata: { name: namespaceName, labels: { ...componentLabels("jenkins"), ...podSecurityLabels("restricted") } },
    });
    const jenkinsNamespace = namespace.metadata.name;
    const podPolicy = new LanePodPolicy("lane-pods");
    const lanes = new PipelineLanes("lanes", {
        jenkinsNamespace,
        credentials: jenkins.lanes,
        backendUrl: jenkins.backend.url,
        registryServer: jenkins.registryServer,
        podNetworkCidrs,
    });
    const controller = new Jenkins("jenkins", {
        namespace: jenkinsNamespace,
        repositoryUrl: jenkins.repositoryUrl,
        gitHub: jenkins.gitHub,
        serviceType: jenkins.serviceType,
        ingressHost: jenkins.ingressHost,
        storageSize: jenkins.storageSize,
        lanes,
        podPolicy,
    });
    return {
        jenkinsNamespace,
        jenkinsUrl: controller.url,
        jenkinsAdminSecretName: controller.adminSecretName,
        jenkinsWebhookSecretName: controller.webhookSecretName,
    };
}

function deploy() {
    const config = loadStackConfig();
    if (config.jenkins) return deployJenkins(config.jenkins, config.jenkinsNamespace, config.podNetworkCidrs);
    if (config.app) return deployApp(config.app, config.jenkinsNamespace, config.podNetworkCidrs);
    throw new Error(`stack ${config.stack} has neither an app nor Jenkins to deploy`);
}

// Stack outputs: only what exists on this stack (an undefined output would warn on every preview).
export = deploy();
