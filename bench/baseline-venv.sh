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
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$venv/.installed-requirements"
fi
# pymongo 3.13 has wheels up to Python 3.11; on a newer Python, pip builds it
# from source, without its C extension when no compiler is found: a slower baseline.
if ! "$venv/bin/python" -c 'import sys, pymongo; sys.exit(0 if pymongo.has_c() else 1)'; then
  echo "note: the baseline's pymongo runs without its C extension (python3 is $(python3 -V 2>&1)); its figures are lower than with it" >&2
fi
echo "$venv"
