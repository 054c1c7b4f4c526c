#!/usr/bin/env bash
# Benchmarks the production server (the image: gunicorn) against the developer
# server (`python run-app.py`) on the same database and the same request mix,
# in one run on this machine. Prints requests/s, p50 and p99 side by side.
#
#   bash bench/api-bench.sh [seconds per run, default 15]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DURATION=${1:-15}
CONNECTIONS=16
THREADS=2
GUNICORN_PORT=5101
DEV_PORT=5102

bash scripts/setup.sh >/dev/null
started_docker=false
if ! docker info >/dev/null 2>&1; then bash scripts/docker-daemon.sh start; started_docker=true; fi
work=$(mktemp -d)
container=
dev_pid=
ferretdb_pid=
cleanup() {
  [ -n "$container" ] && docker rm -f "$container" >/dev/null 2>&1
  [ -n "$dev_pid" ] && kill "$dev_pid" 2>/dev/null
  [ -n "$ferretdb_pid" ] && kill "$ferretdb_pid" 2>/dev/null
  wait 2>/dev/null
  $started_docker && bash scripts/docker-daemon.sh stop
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "nothing ready on port $1" >&2; return 1
}

db_port=$(free_port)
bash scripts/run-ferretdb.sh "$work" "$db_port" >"$work/ferretdb.log" 2>&1 &
ferretdb_pid=$!
uri="mongodb://127.0.0.1:$db_port"

base=$(bash scripts/build-standin-base.sh)
docker build --quiet --network host --build-arg "BASE_IMAGE=$base" --tag xpto-users-api:bench app >/dev/null
container=$(docker run --detach --network host --read-only --tmpfs /tmp --env PORT=$GUNICORN_PORT \
  --env "MONGO_URI=$uri" --env MONGO_DATABASE=bench_gunicorn xpto-users-api:bench)
(cd app && MONGO_URI=$uri MONGO_DATABASE=bench_dev API_PORT=$DEV_PORT exec ../.venv/bin/python run-app.py \
  >"$work/dev.log" 2>&1) &
dev_pid=$!
wait_ready $GUNICORN_PORT
wait_ready $DEV_PORT

# Seed the users the reads look up, then measure.
for port in $GUNICORN_PORT $DEV_PORT; do
  seed=$(python3 -c 'import json; print(json.dumps([{"id": i, "name": f"user-{i}", "team": "dev"} for i in range(1, 51)]))')
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d "$seed" "http://127.0.0.1:$port/api/v1/users"
done

to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }'; }
# measure PORT [wrk args...]: prints "req/s p50 p99 non-2xx"
measure() {
  local port=$1 out
  shift
  out=$(wrk --threads $THREADS --connections $CONNECTIONS --duration "${DURATION}s" --latency "$@" "http://127.0.0.1:$port/")
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out" | to_ms)
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out" | to_ms)
  errors=$(awk '/Non-2xx or 3xx responses:/ { print $5 } /Socket errors/ { print "socket:" $0 }' <<<"$out")
  echo "$rps $p50 $p99 ${errors:-0}"
}

compare() {
  local title=$1
  shift
  echo
  echo "$title; $THREADS wrk threads, $CONNECTIONS connections, ${DURATION}s each; $(nproc) cores"
  read -r g_rps g_p50 g_p99 g_err < <(measure $GUNICORN_PORT "$@")
  read -r d_rps d_p50 d_p99 d_err < <(measure $DEV_PORT "$@")
  printf '%-44s %10s %10s %10s %8s\n' "server" "req/s" "p50 ms" "p99 ms" "non-2xx"
  printf '%-44s %10s %10s %10s %8s\n' "image: gunicorn (2 workers x 4 threads)" "$g_rps" "$g_p50" "$g_p99" "$g_err"
  printf '%-44s %10s %10s %10s %8s\n' "baseline: python run-app.py (dev server)" "$d_rps" "$d_p50" "$d_p99" "$d_err"
  awk -v g="$g_rps" -v d="$d_rps" 'BEGIN { if (d > 0) printf "gunicorn / dev server throughput: %.2fx\n", g / d }'
}

compare "read/write mix: 80% GET /api/v1/users?id=N, 20% POST /api/v1/users" --script bench/mix.lua
compare "server alone: GET / (no database)"
