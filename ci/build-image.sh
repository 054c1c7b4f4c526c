#!/bin/sh
# Builds the API image from app/ with rootless BuildKit and pushes it as
# <imageRepository>:<commit>, then writes the pushed image's digest to
# .image-digest for `pulumi up --config apiImageDigest=…`:
#   ci/build-image.sh STACK
# Runs in the deploying lanes' `buildkit` container (ci/deploy-pod.yaml), which
# needs no privilege; the registry credentials file is the one
# ci/registry-login.sh wrote into $DOCKER_CONFIG. POSIX sh: the image has no bash.
set -eu
stack=${1:?usage: ci/build-image.sh STACK}
stack_file="Pulumi.$stack.yaml"
[ -f "$stack_file" ] || { echo "no $stack_file: is $stack a stack of this project?" >&2; exit 2; }
repository=$(sed -n 's/^ *xpto-api:imageRepository: *//p' "$stack_file" | tr -d '"'"'"' ')
[ -n "$repository" ] || { echo "$stack_file sets no xpto-api:imageRepository" >&2; exit 2; }
commit=${GIT_COMMIT:?GIT_COMMIT is not set: Jenkins sets it for every build}
metadata=.image-metadata.json
rm -f "$metadata" .image-digest
buildctl-daemonless.sh build \
  --frontend dockerfile.v0 \
  --local context=app \
  --local dockerfile=app \
  --output "type=image,name=$repository:$commit,push=true" \
  --metadata-file "$metadata"
digest=$(tr -d ' \n' <"$metadata" | sed -n 's/.*"containerimage\.digest":"\(sha256:[0-9a-f]\{64\}\)".*/\1/p')
[ -n "$digest" ] || { echo "BuildKit wrote no image digest to $metadata" >&2; exit 1; }
printf '%s\n' "$digest" >.image-digest
echo "pushed $repository:$commit as $digest"
