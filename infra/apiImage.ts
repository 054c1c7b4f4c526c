import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./config";

export interface ApiImageArgs {
    image: StackConfig["image"];
    /** The folder holding the API and its Dockerfile. */
    context: string;
}

/**
 * Builds the API image from `app/` and pushes `<repository>:<git commit>` to
 * Docker Hub. Consumers use `repoDigest`, which exists only once the push has
 * succeeded, so a Deployment can never reference an image that is not there.
 */
export class ApiImage extends pulumi.ComponentResource {
    public readonly image: docker.Image;
    /** `docker.io/<org>/<name>@sha256:…`: immutable, unlike the tag. */
    public readonly repoDigest: pulumi.Output<string>;

    constructor(name: string, args: ApiImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:api:Image", name, {}, opts);

        this.image = new docker.Image(name, {
            imageName: `${args.image.repository}:${args.image.tag}`,
            build: {
                context: args.context,
                dockerfile: path.join(args.context, "Dockerfile"),
                platform: "linux/amd64",
            },
            registry: {
                server: args.image.registryServer,
                username: args.image.username,
                password: args.image.token,
            },
        }, { parent: this });

        this.repoDigest = this.image.repoDigest;
        this.registerOutputs({ repoDigest: this.repoDigest });
    }
}
