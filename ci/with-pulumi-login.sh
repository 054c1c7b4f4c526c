#!/usr/bin/env bash
# Runs a command logged in to the lane's Pulumi backend, for one stack:
#   ci/with-pulumi-login.sh STACK COMMAND [ARGS...]
# The lane's credentials are in the environment (its pipeline-credentials Secret):
# PULUMI_BACKEND_URL, and PULUMI_ACCESS_TOKEN (Pulumi Cloud) or the S3 keys and
# PULUMI_CONFIG_PASSPHRASE of the one stack the lane reads (self-managed).
# Nothing is echoed.
set -euo pipefail
stack=${1:?usage: ci/with-pulumi-login.sh STACK COMMAND [ARGS...]}
shift
[ "$#" -gt 0 ] || { echo "usage: ci/with-pulumi-login.sh STACK COMMAND [ARGS...]" >&2; exit 2; }
: "${PULUMI_BACKEND_URL:?PULUMI_BACKEND_URL is not set: is the pipeline-credentials Secret of the lane in the pod?}"

pulumi login --non-interactive "$PULUMI_BACKEND_URL" >/dev/null
exec "$@"
