#!/usr/bin/env bash
# Runs the FerretDB that scripts/install-ferretdb.sh built, on loopback only,
# with its SQLite files in DATA_DIR. Used by try-local.sh and the benchmark.
#   bash scripts/run-ferretdb.sh DATA_DIR PORT
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data_dir=${1:?data directory}
port=${2:?port}
# Its metrics/debug listener needs a port of its own.
debug_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
exec "$root/.cache/tools/ferretdb" --handler=sqlite --sqlite-url="file:$data_dir/" --listen-addr="127.0.0.1:$port" \
  --debug-addr="127.0.0.1:$debug_port" --state-dir="$data_dir" --telemetry=disable --log-level=warn
