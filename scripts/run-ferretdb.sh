#!/usr/bin/env bash
# Runs the FerretDB that scripts/install-ferretdb.sh built, on loopback only.
# Its SQLite files go in DATA_DIR; with a PostgreSQL URL it uses that instead
# (the benchmark: FerretDB on SQLite filters outside the database, ~50 lookups/s).
#   bash scripts/run-ferretdb.sh DATA_DIR PORT [POSTGRESQL_URL]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data_dir=${1:?data directory}
port=${2:?port}
postgresql_url=${3:-}
# Its metrics/debug listener needs a port of its own.
debug_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ -n "$postgresql_url" ]; then
  backend=(--handler=postgresql "--postgresql-url=$postgresql_url")
else
  backend=(--handler=sqlite "--sqlite-url=file:$data_dir/")
fi
exec "$root/.cache/tools/ferretdb" "${backend[@]}" --listen-addr="127.0.0.1:$port" \
  --debug-addr="127.0.0.1:$debug_port" --state-dir="$data_dir" --telemetry=disable --log-level=warn
