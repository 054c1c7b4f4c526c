/**
 * Facts read upstream, each at the tag or commit named beside it. Everything
 * pinned or relied upon about another project lives here, so an upgrade is
 * one reviewable diff; the rest of the code and the tests use these values.
 * Re-read the sources when changing any of them.
 */

/** The official Jenkins chart. Source: jenkinsci/helm-charts@jenkins-5.9.53 (22055414e808), charts/jenkins/Chart.yaml. */
export const JENKINS_CHART = {
    name: "jenkins",
    repository: "https://charts.jenkins.io",
    version: "5.9.53",
    /** appVersion: the Jenkins core the chart runs (image jenkins/jenkins:2.568.2-jdk21). */
    jenkinsVersion: "2.568.2",
} as const;

/** The Helm release's name: the chart derives its Services' and pods' names and labels from it. */
export const JENKINS_RELEASE_NAME = "jenkins";

export interface PluginPin {
    name: string;
    version: string;
    /** The Jenkins core the release needs (its pom.xml), at most the chart's. */
    requiresJenkins: string;
    source: string;
}

/**
 * Every plugin, pinned. The first four are the chart's defaults at the
 * versions it lists (values.yaml `controller.installPlugins` at
 * jenkins-5.9.53); the rest are what the jobs and the Jenkinsfile use, each
 * the newest release whose pom needs at most the chart's Jenkins.
 */
export const JENKINS_PLUGINS: readonly PluginPin[] = [
    { name: "kubernetes", version: "4540.v612369217f87", requiresJenkins: "the chart's own pin", source: "helm-charts@jenkins-5.9.53 values.yaml" },
    { name: "workflow-aggregator", version: "608.v67378e9d3db_1", requiresJenkins: "2.479.3", source: "helm-charts@jenkins-5.9.53 values.yaml; workflow-aggregator-plugin@608.v67378e9d3db_1 pom.xml" },
    { name: "git", version: "5.10.1", requiresJenkins: "2.504.3", source: "helm-charts@jenkins-5.9.53 values.yaml; git-plugin@git-5.10.1 pom.xml" },
    { name: "configuration-as-code", version: "2115.vf6de120eef70", requiresJenkins: "2.541.1", source: "helm-charts@jenkins-5.9.53 values.yaml" },
    // Jobs as code (JCasC `jobs:`): the three lane jobs.
    { name: "job-dsl", version: "3654.vdf58f53e2d15", requiresJenkins: "2.479.3", source: "job-dsl-plugin@3654.vdf58f53e2d15 pom.xml" },
    // GitHub branches and pull requests; brings the github plugin's /github-webhook/ endpoint.
    { name: "github-branch-source", version: "1967.1970.vd86979736546", requiresJenkins: "2.539", source: "github-branch-source-plugin@1967.1970.vd86979736546 pom.xml (has the SECURITY-3702/3808 fixes)" },
    // `string` (secret text) credentials: the launchers' ServiceAccount tokens.
    { name: "plain-credentials", version: "199.v9f8e1f741799", requiresJenkins: "2.479.3", source: "plain-credentials-plugin@199.v9f8e1f741799 pom.xml" },
    { name: "timestamper", version: "1.30", requiresJenkins: "2.479.3", source: "timestamper-plugin@timestamper-1.30 pom.xml" },
    { name: "junit", version: "1424.vc64a_edde7777", requiresJenkins: "2.541.3", source: "junit-plugin@1424.vc64a_edde7777 pom.xml" },
];

/**
 * Chart keys this program sets, and what the chart does with them
 * (jenkinsci/helm-charts@jenkins-5.9.53, charts/jenkins/).
 */
export const CHART_FACTS = {
    /** statefulset L377-385: additionalExistingSecrets → /run/secrets/additional/<name>-<keyName> → JCasC `${<name>-<keyName>}`. */
    existingSecretReference: (name: string, key: string) => `\${${name}-${key}}`,
    /** values.yaml L697: `controller.podAnnotations` lands on the pod template (a change rolls the pod). */
    podAnnotationsKey: "podAnnotations",
    /** _helpers.tpl L195: the chart's own cloud is named `controller.cloudName` and launches in `agent.namespace`. */
    defaultCloudNameKey: "cloudName",
    /**
     * templates/rbac.yaml L7-18: the Role the chart gives the controller in the
     * agent namespace; the program gives each lane's launcher the same.
     */
    scheduleAgentsRules: [
        { apiGroups: [""], resources: ["pods", "pods/exec", "pods/log", "persistentvolumeclaims", "events"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["pods", "pods/exec", "persistentvolumeclaims"], verbs: ["create", "delete", "deletecollection", "patch", "update"] },
    ],
    /**
     * values.yaml L191-227 and the statefulset snapshot: the controller pod runs
     * as user 1000 with fsGroup 1000 (`runAsUser`, `fsGroup`); by default no container drops
     * capabilities and none has a seccomp profile, so the controller pod meets
     * `baseline` only until its containers are hardened (infra/ci/helmValues.ts).
     */
    controllerUser: 1000,
    /** values.yaml L715-764: ingress keys at this tag (pathType exists; default ImplementationSpecific). */
    ingressKeys: ["enabled", "paths", "pathType", "apiVersion", "labels", "annotations", "ingressClassName", "path", "hostName", "resourceRootUrl", "tls"],
    /**
     * templates/jenkins-controller-statefulset.yaml L22-25: the controller pod's selector labels
     * (controller.componentName defaults to jenkins-controller, values.yaml L40; instance is the release).
     */
    controllerPodLabels: (release: string) => ({ "app.kubernetes.io/component": "jenkins-controller", "app.kubernetes.io/instance": release }),
    /** The release's Services: <release> on 8080 and <release>-agent on 50000 (jenkinsUrl/jenkinsTunnel in _helpers.tpl L172-189). */
    httpPort: 8080,
    agentPort: 50000,
    /** _helpers.tpl: pod label the chart's cloud puts on agent pods (`jenkins/<release>-jenkins-agent: "true"`). */
    agentPodLabel: (release: string) => `jenkins/${release}-jenkins-agent`,
} as const;

/** Plugin behaviour the configuration relies on. */
export const PLUGIN_FACTS = {
    /**
     * kubernetes-plugin KubernetesFolderProperty (@Symbol("kubernetes"), setPermittedClouds):
     * a `usageRestricted` cloud serves only jobs under a folder that permits it
     * (PodTemplateStepExecution.checkAccess: "Not authorized to use Kubernetes cloud").
     */
    folderCloudPropertySymbol: "kubernetes",
    /**
     * kubernetes-plugin KubernetesFactoryAdapter: a cloud's credentialsId is looked up
     * at the Jenkins root; kubernetes-credentials' StringCredentialsTokenSource sends
     * secret text as a bearer token. A pod's namespace may be overridden by the
     * pipeline: only the cloud's token limits where pods can be created.
     */
    cloudTokenCredential: "string",
    /**
     * github-branch-source BranchDiscoveryTrait: strategyId 1 excludes branches
     * that are also pull requests, 3 discovers all branches.
     */
    allBranchesStrategy: 3,
    /**
     * github-branch-source@1967.1970.vd86979736546 ForkPullRequestDiscoveryTrait.TrustNobody
     * (@Symbol("gitHubTrustNobody"), checkTrusted returns false): a fork's pull request is
     * built with the target branch's Jenkinsfile, whoever opened it.
     */
    trustNobodySymbol: "gitHubTrustNobody",
    /** OriginPullRequestDiscoveryTrait / ForkPullRequestDiscoveryTrait: 1 merges the PR with its target. */
    mergeWithTargetStrategy: 1,
    /** github plugin (a dependency of github-branch-source): the webhook endpoint. */
    webhookPath: "/github-webhook/",
    /**
     * github plugin 1.45.0 (what github-branch-source resolves through the Jenkins bom
     * 5933.vcf06f7b_5d1a_2): HookSecretConfig(credentialsId, signatureAlgorithm) under JCasC
     * `unclassified.gitHubPluginConfig.hookSecretConfigs`; the credential is secret text looked up
     * at the root as SYSTEM (GitHubServerConfig.secretFor), so SYSTEM scope serves it; SHA256
     * checks GitHub's X-Hub-Signature-256 header (SignatureAlgorithm).
     */
    webhookSecret: { cascRoot: "gitHubPluginConfig", signatureAlgorithm: "SHA256", header: "X-Hub-Signature-256" },
} as const;

/**
 * The agent pods' images (ci/*.yaml), pinned to tags read upstream.
 */
export const AGENT_IMAGES = {
    /**
     * pulumi/pulumi-docker-containers@3.259.0 (.github/scripts/matrix/versions.py: nodejs
     * default 26, additional 22 and 24; tags pulumi-nodejs-<NN>:<cli version>).
     * Node 22: @pulumi/pulumi 3.270.0 declares engines.node ">=22".
     */
    pulumi: "pulumi/pulumi-nodejs-22:3.259.0",
    /** docker-library/python@4f07059 (versions.json 3.13 = 3.13.14; 3.13/slim-trixie): the API's Python. */
    python: "python:3.13.14-slim-trixie",
    /** docker-library/mongo@c597a2eee ("Update 4.2 to 4.2.24"): the MongoDB XPTO runs. */
    mongo: "mongo:4.2.24",
    /**
     * nvuillam/npm-groovy-lint@v15.2.1 Dockerfile: alpine with bash, nodejs, npm and openjdk17;
     * no curl. The npm package ships lib/java/groovy/lib/groovy-4.0.26.jar (groovy.ui.GroovyMain).
     */
    groovyLint: "nvuillam/npm-groovy-lint:v15.2.1",
    /**
     * moby/buildkit@v0.32.2 (991535e0): Dockerfile `rootless` stage — alpine, USER 1000:1000,
     * HOME=/home/user, newuidmap/newgidmap from shadow-uidmap (setuid: they fail under
     * no_new_privs, moby/buildkit#1671), VOLUME /home/user/.local/share/buildkit,
     * ENTRYPOINT rootlesskit buildkitd; examples/buildctl-daemonless/buildctl-daemonless.sh
     * starts the daemon as the user and runs `buildctl "$@"`. Release images are tagged
     * `<version>-rootless` (.github/workflows/buildkit.yml).
     */
    buildkit: "moby/buildkit:v0.32.2-rootless",
} as const;

/**
 * How the rootless BuildKit image runs: as uid and gid 1000 with its state in a
 * volume at the image's VOLUME (moby/buildkit@v0.32.2 Dockerfile `rootless` stage,
 * read for AGENT_IMAGES.buildkit), and, in an unprivileged pod, with the daemon
 * flag upstream's examples/kubernetes/job.rootless.yaml sets in BUILDKITD_FLAGS (read at v0.32.2).
 */
export const BUILDKIT_ROOTLESS = {
    user: 1000,
    stateDirectory: "/home/user/.local/share/buildkit",
    daemonFlags: "--oci-worker-no-process-sandbox",
} as const;
