#!/usr/bin/env bash
# Builds the images the node suite runs, with the machine's Docker engine, and
# saves them in one archive for `ctr images import` (nothing is ever pulled):
#   xpto.local/pause:<v>              the pod sandbox (scripts/cluster/pause), on scratch
#   xpto-node/users-api:build-1       the API image from app/Dockerfile on the stand-in base
#   xpto-node/users-api:build-2       a second build of it (another label, so another digest)
#   xpto-standin/mongo:4.2-ferretdb   the stand-in for mongo:4.2 (scripts/cluster/mongo-standin)
# Prints the archive's path. Docker's build cache makes a warm run take seconds;
# the archive is written again only when an image changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
tools="$root/.cache/tools"
out="$root/.cache/node-images"
mkdir -p "$out"
PAUSE_IMAGE="xpto.local/pause:$(cat scripts/cluster/pause/version)"
API_IMAGE=xpto-node/users-api
MONGO_IMAGE=xpto-standin/mongo:4.2-ferretdb
# The pymongo the API pins: the stand-in shell speaks to FerretDB with it.
PYMONGO_VERSION=$(sed -n 's/^pymongo==//p' app/requirements.txt)

base=$(bash scripts/build-standin-base.sh)
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
build() { # TAG CONTEXT [docker build options…]
  local tag=$1 dir=$2
  shift 2
  # Quiet (the legacy builder's deprecation notice included) unless it fails.
  docker build -q --network host -t "$tag" "$@" "$dir" >"$context/build.log" 2>&1 ||
    { echo "docker build of $tag failed:" >&2; cat "$context/build.log" >&2; exit 1; }
}

mkdir "$context/pause"
cp "$tools/cluster/pause" "$context/pause/pause"
printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' > "$context/pause/Dockerfile"
build "$PAUSE_IMAGE" "$context/pause"

build "$API_IMAGE:build-1" app --build-arg "BASE_IMAGE=$base"
build "$API_IMAGE:build-2" app --build-arg "BASE_IMAGE=$base" --label "org.xpto.node-suite.build=2"

mkdir "$context/mongo"
cp scripts/cluster/mongo-standin/* "$context/mongo/"
cp "$tools/ferretdb" "$context/mongo/ferretdb"
build "$MONGO_IMAGE" "$context/mongo" --build-arg "BASE_IMAGE=$base" --build-arg "PYMONGO_VERSION=$PYMONGO_VERSION"

images=("$PAUSE_IMAGE" "$API_IMAGE:build-1" "$API_IMAGE:build-2" "$MONGO_IMAGE")
ids=$(for image in "${images[@]}"; do printf '%s %s\n' "$image" "$(docker image inspect -f '{{.Id}}' "$image")"; done)
if [ ! -s "$out/images.tar" ] || [ "$ids" != "$(cat "$out/images.ids" 2>/dev/null)" ]; then
  docker save -o "$out/images.tar.tmp" "${images[@]}"
  mv "$out/images.tar.tmp" "$out/images.tar"
  printf '%s\n' "$ids" > "$out/images.ids"
fi
echo "$out/images.tar"
