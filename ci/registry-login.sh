#!/usr/bin/env bash
# Writes Docker's credentials file for the lane's registry, so that the image
# push (the Pulumi docker provider reads this file) never needs a token in the
# stack's config or state. From the lane's pipeline-credentials Secret:
# REGISTRY_SERVER (host[:port], docker.io for Docker Hub), REGISTRY_USERNAME,
# REGISTRY_TOKEN. Writes $DOCKER_CONFIG/config.json (default ~/.docker), mode 600.
set -euo pipefail
: "${REGISTRY_SERVER:?REGISTRY_SERVER is not set: only deploying lanes push}"
: "${REGISTRY_USERNAME:?REGISTRY_USERNAME is not set}"
: "${REGISTRY_TOKEN:?REGISTRY_TOKEN is not set}"
server=$REGISTRY_SERVER
# Docker keeps Docker Hub's credentials under its v1 index URL.
case "$server" in docker.io | index.docker.io | registry-1.docker.io) server=https://index.docker.io/v1/ ;; esac
dir=${DOCKER_CONFIG:-$HOME/.docker}
mkdir -p "$dir"
auth=$(printf '%s:%s' "$REGISTRY_USERNAME" "$REGISTRY_TOKEN" | base64 | tr -d '\n')
umask 077
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$server" "$auth" >"$dir/config.json.tmp"
mv "$dir/config.json.tmp" "$dir/config.json"
