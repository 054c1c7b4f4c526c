#!/usr/bin/env bash
# Runs a command logged in to the lane's Pulumi backend, for one stack:
#   ci/with-pulumi-login.sh STACK COMMAND [ARGS...]
# The lane's credentials are in the environment (its pipeline-credentials Secret):
# PULUMI_BACKEND_URL, and PULUMI_ACCESS_TOKEN (Pulumi Cloud) or the S3 keys and
# the stacks' passphrases (self-managed). A deploying lane holds its own stack's
# PULUMI_CONFIG_PASSPHRASE; the preview lane holds PULUMI_CONFIG_PASSPHRASE_<STACK>
# for each stack and the one for STACK is picked here. Nothing is echoed.
set -euo pipefail
stack=${1:?usage: ci/with-pulumi-login.sh STACK COMMAND [ARGS...]}
shift
[ "$#" -gt 0 ] || { echo "usage: ci/with-pulumi-login.sh STACK COMMAND [ARGS...]" >&2; exit 2; }
: "${PULUMI_BACKEND_URL:?PULUMI_BACKEND_URL is not set: is the pipeline-credentials Secret of the lane in the pod?}"

per_stack="PULUMI_CONFIG_PASSPHRASE_$(printf '%s' "$stack" | tr '[:lower:]-' '[:upper:]_')"
if [ -n "${!per_stack:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="${!per_stack}"
fi
pulumi login --non-interactive "$PULUMI_BACKEND_URL" >/dev/null
exec "$@"
