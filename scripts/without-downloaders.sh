#!/usr/bin/env bash
# Runs a command with curl and wget absent from PATH, as in the Jenkins agent's
# groovy container: a suite that passes this way downloads nothing by itself.
#   bash scripts/without-downloaders.sh COMMAND [ARGS...]
set -euo pipefail
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
IFS=: read -r -a dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
  [ -d "$dir" ] || continue
  for tool in "$dir"/*; do
    name=${tool##*/}
    case "$name" in curl | wget) continue ;; esac
    [ -x "$tool" ] && [ ! -e "$bin/$name" ] && ln -s "$tool" "$bin/$name"
  done
done
if PATH=$bin command -v curl >/dev/null || PATH=$bin command -v wget >/dev/null; then
  echo "curl or wget is still on PATH" >&2
  exit 1
fi
PATH=$bin "$@"
