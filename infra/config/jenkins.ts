// The Jenkins stack's settings: the controller, and what each lane's pods receive.
import type * as pulumi from "@pulumi/pulumi";
import type { LaneCredentials } from "../ci/pipelineLanes";
import { DEPLOY_LANES, type DeployLane, type Lane, LAUNCHED_LANES, PREVIEWED_LANE } from "../pipeline";
import type { SettingsReader } from "./reader";
import type { JenkinsConfig } from "./types";
import { type BackendKind, PULUMI_CLOUD_URL } from "./values";

type Capitalized<L extends string> = L extends `${infer F}${infer Rest}` ? `${Uppercase<F>}${Rest}` : L;
const capitalized = <L extends Lane>(lane: L) => `${lane[0].toUpperCase()}${lane.slice(1)}` as Capitalized<L>;

function parseLanes(r: SettingsReader, kind: BackendKind): Partial<Record<Lane, LaneCredentials>> {
    const lanes: Partial<Record<Lane, LaneCredentials>> = {};
    const passphrases: Partial<Record<DeployLane, pulumi.Output<string>>> = {};
    if (kind === "s3") {
        for (const lane of DEPLOY_LANES) {
            passphrases[lane] = r.requiredSecret(`pipeline${capitalized(lane)}Passphrase`,
                `with an S3 backend (the ${lane} stack's secrets passphrase)`);
        }
    }
    // The fork lane gets nothing: its builds install and test, with no credential at all.
    for (const lane of LAUNCHED_LANES) {
        const name = capitalized(lane);
        const secrets: LaneCredentials = {};
        if (kind === "pulumi-cloud") {
            secrets.pulumiToken = r.requiredSecret(`pipeline${name}PulumiToken`,
                lane === "preview" ? `on Pulumi Cloud (a token that may only read the ${PREVIEWED_LANE} stack)`
                    : `on Pulumi Cloud (a token that may update the ${lane} stack and nothing else)`);
        } else {
            secrets.s3 = {
                accessKeyId: r.requiredSecret(`pipeline${name}S3AccessKeyId`, `with an S3 backend (the ${lane} lane's key)`),
                secretAccessKey: r.requiredSecret(`pipeline${name}S3SecretAccessKey`, `with an S3 backend (the ${lane} lane's key)`),
            };
            // Each lane holds one stack's passphrase: a deploying lane its own, previews develop's (never production's).
            const stack = lane === "preview" ? PREVIEWED_LANE : lane;
            secrets.passphrases = { [stack]: passphrases[stack] };
        }
        if (lane !== "preview") {
            const deploy = capitalized(lane);
            secrets.registry = {
                username: r.required(`pipeline${deploy}RegistryUsername`) ?? "",
                token: r.requiredSecret(`pipeline${deploy}RegistryToken`, `(the ${lane} lane pushes its images with it)`),
            };
        }
        lanes[lane] = secrets;
    }
    return lanes;
}

export function parseJenkins(r: SettingsReader): JenkinsConfig {
    const backend = r.required("pipelineBackendUrl") ?? { kind: "pulumi-cloud", url: PULUMI_CLOUD_URL };
    return {
        repositoryUrl: r.required("jenkinsRepositoryUrl") ?? "",
        gitHub: {
            username: r.required("jenkinsGitHubUsername") ?? "",
            token: r.requiredSecret("jenkinsGitHubToken", "(a GitHub token that can read the repository and its pull requests)"),
        },
        serviceType: r.required("jenkinsServiceType") ?? "ClusterIP",
        ingressHost: r.optional("jenkinsIngressHost"),
        storageSize: r.required("jenkinsStorageSize") ?? "",
        backend,
        registryServer: r.required("pipelineRegistryServer") ?? "",
        lanes: parseLanes(r, backend.kind),
    };
}
