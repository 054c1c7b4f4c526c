#!/usr/bin/env bash
# Makes (or reuses) the baseline's own virtual environment, with the original
# app's libraries (bench/requirements-baseline.txt), apart from the API's
# .venv, and prints its path. Idempotent: reinstalls only when the file changed.
#   bash bench/baseline-venv.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.cache/bench/baseline-venv"
requirements="$root/bench/requirements-baseline.txt"
if ! cmp -s "$requirements" "$venv/.installed-requirements" 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: -r "$requirements" >&2
  cp "$requirements" "$venv/.installed-requirements"
fi
echo "$venv"
