import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface ApiImageArgs {
    /** `<registry host>/<path>`, without tag. */
    repository: string;
    /** The registry pushed to, host[:port]: the machine's `docker login` for it is used. */
    registryServer: string;
    /** The tag to build and push: the git commit the image is built from. */
    tag: string;
    /** Set for a rollback: deploy this earlier image (`sha256:…`) and build nothing. */
    digest?: string;
    /** The folder holding the API and its Dockerfile. */
    context: string;
}

/**
 * The image the API runs, always by digest. Normally built from `app/` and
 * pushed as `<repository>:<git commit>`; `repoDigest` exists only once the
 * push has succeeded, so a Deployment never references an image that is not
 * there. For a rollback (`apiImageDigest`) nothing is built: the digest of an
 * image pushed earlier is deployed as it is, so an old tag is never rebuilt
 * from today's code or overwritten.
 */
export class ApiImage extends pulumi.ComponentResource {
    /** Absent on a rollback. */
    public readonly image?: docker.Image;
    /** `<repository>@sha256:…`: immutable, unlike the tag. */
    public readonly repoDigest: pulumi.Output<string>;

    constructor(name: string, args: ApiImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("xpto:api:Image", name, {}, opts);
        const { repository, tag, digest, registryServer } = args;

        if (digest !== undefined) {
            this.repoDigest = pulumi.output(`${repository}@${digest}`);
        } else {
            this.image = new docker.Image(name, {
                imageName: `${repository}:${tag}`,
                build: {
                    context: args.context,
                    dockerfile: path.join(args.context, "Dockerfile"),
                    platform: "linux/amd64",
                },
                // Pushed with the credentials of the machine's `docker login` (the pipeline logs in
                // with its lane's): a registry token never enters the stack's config or state.
                registry: { server: registryServer },
                // Previews build nothing and push nothing (the provider's default, said out loud).
                buildOnPreview: false,
            }, { parent: this });
            this.repoDigest = this.image.repoDigest;
        }
        this.registerOutputs({ repoDigest: this.repoDigest });
    }
}
