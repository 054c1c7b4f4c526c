#!/usr/bin/env bash
# Benchmarks the image's server (granian, app/server.py) against a baseline of the original
# app (bench/baseline_app.py: Flask dev server, debug=True, the original's
# database calls on pymongo 3.13 and Flask 2.2 in their own virtual
# environment, bench/baseline-venv.sh) and the developer
# server (`python run-app.py`), all on one FerretDB on PostgreSQL, in one run on
# this machine. Two references bound what any server could do here: the API's
# Flask app behind a bare HTTP loop (bench/flask-ceiling.py, in the image) and
# the database alone (bench/db-ceiling.py).
# Runs are interleaved (workload by workload, server by server, ROUNDS times)
# and each starts from a collection reset to BENCH_USERS users (with the unique
# id index for this API's servers, which make it; none for the original, which
# never did).
# Prints req/s, p50, p99 and errors per server, the ratios to the baseline and
# each server's share of the reference row's req/s,
# the database's own rate for the API's lookup, and what one pod of the image
# uses: CPU while it serves (so req/s per core) and memory (resident set of its
# processes), the figures to size replicas by.
#
#   bash bench/api-bench.sh [seconds per run, default 15] [rounds, default 2]
#
# BENCH_IMAGE_VARIANTS="2x8 2x4" runs one container of the image per
# <workers>x<threads> (SERVER_WORKERS, SERVER_THREADS), side by side in the same
# rounds: candidates compared in one run. Default: the image as it ships.
# BENCH_WORKLOADS="by_id mix" runs a subset of root, by_id and mix.
#
# Starts everything it needs (PostgreSQL as the postgres user, FerretDB, a
# container of the image per variant and one for the reference, two Python
# servers) on 127.0.0.1 only, and stops all of it
# on exit; each run is bounded by wrk's duration.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DURATION=${1:-15}
ROUNDS=${2:-2}
export BENCH_USERS=${BENCH_USERS:-1000}
CONNECTIONS=16
THREADS=2
IMAGE_PORT=5101 # the first variant's; variant i (from 1) listens on 5110 + i
BASELINE_PORT=5102
DEV_PORT=5103
CEILING_PORT=5104

bash scripts/setup.sh >/dev/null
# The original's libraries (pymongo 3.13, Flask 2.2), in an environment of their own.
baseline_venv=$(bash bench/baseline-venv.sh)
started_docker=false
if ! docker info >/dev/null 2>&1; then bash scripts/docker-daemon.sh start; started_docker=true; fi
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
chmod 755 "$work"
declare -A container_of=()
ceiling_container= baseline_pid= dev_pid= ferretdb_pid= pg_started=false
cleanup() {
  trap '' INT TERM
  set +e
  for c in "${container_of[@]}" $ceiling_container; do timeout 60 docker rm -f "$c" >/dev/null 2>&1; done
  for pid in $dev_pid $ferretdb_pid; do kill "$pid" 2>/dev/null; done
  # The baseline's debug reloader runs the app in a child process: stop its whole group.
  [ -n "$baseline_pid" ] && kill -- "-$baseline_pid" 2>/dev/null
  wait 2>/dev/null
  $pg_started && su postgres -s /bin/sh -c "'$pg_bin/pg_ctl' -D '$work/pg' -m fast -w -t 30 stop" >/dev/null
  $started_docker && bash scripts/docker-daemon.sh stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 1 120); do curl -fsS -o /dev/null "http://127.0.0.1:$1$2" 2>/dev/null && return 0; sleep 0.5; done
  echo "nothing answers on port $1" >&2
  return 1
}

echo "starting PostgreSQL, FerretDB on PostgreSQL and the servers"
pg_port=$(free_port)
mkdir "$work/pg" && chown postgres "$work/pg"
su postgres -s /bin/sh -c "'$pg_bin/initdb' -D '$work/pg' -A trust -U postgres" >"$work/initdb.log"
su postgres -s /bin/sh -c "'$pg_bin/pg_ctl' -D '$work/pg' -l '$work/pg/server.log' -w -t 60 start \
  -o \"-c listen_addresses=127.0.0.1 -p $pg_port -k '$work/pg' -c fsync=off -c max_connections=200\"" >/dev/null
pg_started=true
su postgres -s /bin/sh -c "'$pg_bin/createdb' -h 127.0.0.1 -p $pg_port ferretdb"
db_port=$(free_port)
bash scripts/run-ferretdb.sh "$work" "$db_port" "postgres://postgres@127.0.0.1:$pg_port/ferretdb" \
  >"$work/ferretdb.log" 2>&1 &
ferretdb_pid=$!
uri="mongodb://127.0.0.1:$db_port"

base=$(bash scripts/build-standin-base.sh)
docker build --quiet --network host --build-arg "BASE_IMAGE=$base" --tag xpto-users-api:bench app >/dev/null
# The image as it ships (its own defaults) unless candidates are named.
read -r -a variants <<<"${BENCH_IMAGE_VARIANTS:-shipped}"
declare -A port_of=() label_of=()
image_servers=()
for i in "${!variants[@]}"; do
  variant=${variants[$i]}
  server=image_${variant}
  port=$((i == 0 ? IMAGE_PORT : 5110 + i))
  sizing=()
  if [ "$variant" != shipped ]; then
    [[ $variant =~ ^([0-9]+)x([0-9]+)$ ]] || { echo "a variant is <workers>x<threads>, not $variant" >&2; exit 2; }
    sizing=(--env "SERVER_WORKERS=${BASH_REMATCH[1]}" --env "SERVER_THREADS=${BASH_REMATCH[2]}")
  fi
  container_of[$server]=$(docker run --detach --network host --read-only --tmpfs /tmp --env PORT=$port "${sizing[@]}" \
    --env SERVER_BIND_HOST=127.0.0.1 --env "MONGO_URI=$uri" --env "MONGO_DATABASE=bench_$server" xpto-users-api:bench)
  port_of[$server]=$port
  image_servers+=("$server")
done
# The same image and Python, the app behind the least HTTP work (bench/flask-ceiling.py).
ceiling_container=$(docker run --detach --network host --read-only --volume "$root/bench:/srv/bench:ro" \
  --env PYTHONPATH=/srv/app --env CEILING_PORT=$CEILING_PORT --env "MONGO_URI=$uri" \
  --env MONGO_DATABASE=bench_flask_ceiling xpto-users-api:bench python /srv/bench/flask-ceiling.py)
MONGO_URI=$uri MONGO_DATABASE=bench_original BASELINE_PORT=$BASELINE_PORT \
  setsid "$baseline_venv/bin/python" bench/baseline_app.py >"$work/baseline.log" 2>&1 &
baseline_pid=$!
(cd app && MONGO_URI=$uri MONGO_DATABASE=bench_dev API_PORT=$DEV_PORT exec ../.venv/bin/python run-app.py \
  >"$work/dev.log" 2>&1) &
dev_pid=$!
for server in "${image_servers[@]}"; do wait_ready "${port_of[$server]}" /readyz; done
wait_ready $BASELINE_PORT /
wait_ready $DEV_PORT /readyz
wait_ready $CEILING_PORT /readyz

servers=("${image_servers[@]}" "original" "dev" "flask_ceiling")
port_of+=([original]=$BASELINE_PORT [dev]=$DEV_PORT [flask_ceiling]=$CEILING_PORT)
for server in "${image_servers[@]}"; do
  label_of[$server]="image: granian ($(docker exec "${container_of[$server]}" python -c \
    'import config; s = config.from_env(reader=config.IMAGE_SERVER); print(s["SERVER_WORKERS"], "workers x", s["SERVER_THREADS"], "threads")'))"
done
label_of+=(
  [original]="baseline: original app (dev server, debug)"
  [dev]="python run-app.py (dev server)"
  [flask_ceiling]="reference: the app behind a bare HTTP loop")
read -r -a workloads <<<"${BENCH_WORKLOADS:-root by_id mix}"
declare -A title_of=([root]="GET / (no database)" [by_id]="GET /api/v1/users?id=N"
  [mix]="80% GET by id, 20% POST /api/v1/users")
declare -A args_of=([root]="" [by_id]="--script bench/by-id.lua" [mix]="--script bench/mix.lua")

# CPU ticks (1/100 s) and resident memory (KiB) of every process of a container.
container_pids() { docker top "$1" -eo pid | tail -n +2; }
cpu_ticks() { local t=0 p; for p in $(container_pids "$1"); do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
rss_kib() { local t=0 p; for p in $(container_pids "$1"); do t=$((t + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo "$t"; }
# The baseline's process group (its debug reloader and the child that serves).
group_rss_kib() { ps -o rss= -g "$1" | awk '{ t += $1 } END { print t + 0 }'; }
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.1f", v }'; }
# run WORKLOAD SERVER: one wrk run on a freshly reset collection; appends "req/s p50 p99 errors".
run() {
  local workload=$1 server=$2 out rps p50 p99 errors ticks=
  local index=--index
  [ "$server" = original ] && index=
  .venv/bin/python bench/reset.py "$uri" "$BENCH_USERS" "bench_$server" $index
  local container=${container_of[$server]:-}
  [ -n "$container" ] && ticks=$(cpu_ticks "$container")
  # shellcheck disable=SC2086
  out=$(timeout $((DURATION + 30)) wrk --threads $THREADS --connections $CONNECTIONS --duration "${DURATION}s" \
    --latency ${args_of[$workload]} "http://127.0.0.1:${port_of[$server]}/")
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out" | to_ms)
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out" | to_ms)
  errors=$(awk '/Non-2xx or 3xx responses:/ { n += $5 } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
    END { print n + 0 }' <<<"$out")
  echo "$rps $p50 $p99 $errors" >>"$work/$workload-$server"
  if [ -n "$ticks" ]; then
    echo "$rps $(( $(cpu_ticks "$container") - ticks )) $DURATION $(rss_kib "$container")" >>"$work/$workload-pod-$server"
  fi
}

echo "measuring: $ROUNDS rounds x ${#workloads[@]} workloads x ${#servers[@]} servers, ${DURATION}s each," \
  "wrk -t$THREADS -c$CONNECTIONS, $BENCH_USERS users before each run, $(nproc) cores"
for round in $(seq 1 "$ROUNDS"); do
  for workload in "${workloads[@]}"; do
    for server in "${servers[@]}"; do run "$workload" "$server"; done
  done
  # The database alone, in the same round: the ceiling of one lookup per request here.
  .venv/bin/python bench/reset.py "$uri" "$BENCH_USERS" bench_ceiling --index
  .venv/bin/python bench/db-ceiling.py "$uri" bench_ceiling "$BENCH_USERS" "$DURATION" >>"$work/ceiling"
  echo "round $round done"
done

echo
awk -v d="$DURATION" '{ r += $1; e += $2 } END { printf "database alone: find({\"id\": N}) from 16 concurrent clients, no HTTP: %.0f lookups/s, %d errors (mean of %d runs of %ss): the ceiling of any server making one lookup per request\n", r / NR, e, NR, d }' "$work/ceiling"

# Means over the rounds; errors summed.
summary() { awk '{ r += $1; a += $2; b += $3; e += $4 } END { printf "%.0f %.1f %.1f %d\n", r / NR, a / NR, b / NR, e }' "$1"; }
for workload in "${workloads[@]}"; do
  echo
  echo "${title_of[$workload]} (mean of $ROUNDS runs)"
  printf '%-46s %8s %8s %8s %7s %14s %12s %14s\n' server req/s "p50 ms" "p99 ms" errors "req/s vs orig" "p99 vs orig" "req/s vs ref"
  read -r o_rps _ o_p99 _ < <(summary "$work/$workload-original")
  read -r c_rps _ < <(summary "$work/$workload-flask_ceiling")
  for server in "${servers[@]}"; do
    read -r rps p50 p99 errors < <(summary "$work/$workload-$server")
    ratios=$(awk -v r="$rps" -v p="$p99" -v orr="$o_rps" -v op="$o_p99" -v cr="$c_rps" \
      'BEGIN { printf "%13.2fx %11.2fx %13.0f%%", (orr > 0 ? r / orr : 0), (op > 0 ? p / op : 0), (cr > 0 ? 100 * r / cr : 0) }')
    printf '%-46s %8s %8s %8s %7s %s\n' "${label_of[$server]}" "$rps" "$p50" "$p99" "$errors" "$ratios"
  done
done

for server in "${image_servers[@]}"; do
  echo
  echo "one pod of the image (one container, ${label_of[$server]#image: }), while it served each workload:"
  printf '%-40s %8s %11s %14s %12s\n' workload req/s "CPU cores" "req/s per core" "memory MiB"
  for workload in "${workloads[@]}"; do
    awk -v t="${title_of[$workload]}" '{ r += $1; c += $2 / 100 / $3; m = ($4 > m ? $4 : m) }
      END { printf "%-40s %8.0f %11.2f %14.0f %12.0f\n", t, r / NR, c / NR, (c > 0 ? r / c : 0), m / 1024 }' "$work/$workload-pod-$server"
  done
done
echo
echo "baseline (original app, dev server with its debug reloader): $(( $(group_rss_kib "$baseline_pid") / 1024 )) MiB resident"
