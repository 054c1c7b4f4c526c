#!/usr/bin/env bash
# Try the API locally: builds the image from app/Dockerfile, starts it with a
# MongoDB-protocol database, waits until /readyz answers, prints how to use it,
# and removes everything on Ctrl-C. Needs only Docker.
#
#   With access to Docker Hub (a normal laptop): the public base image and mongo:4.2.
#   Without it (an offline build machine): a debootstrap stand-in base image and
#   FerretDB on loopback, the same as the tests. TRYOUT_MODE=online|offline forces one.
set -euo pipefail
# A shell that starts with SIGINT ignored cannot trap it (bash keeps the
# inherited "ignore"), and then Ctrl-C leaves everything running. Anything
# started with `&` by a non-interactive shell, a CI runner included, starts
# that way; so start again with the default disposition first.
if [ -z "${TRYOUT_SIGNALS_RESET:-}" ] && [ -n "$(trap -p INT)$(trap -p TERM)" ]; then
  TRYOUT_SIGNALS_RESET=1 exec env --default-signal=INT,TERM bash "$0" "$@"
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

PORT=5000
IMAGE=xpto-users-api:local
LABEL=xpto.tryout=1
NETWORK=xpto-tryout
run_id=$$
started_docker=false
ferretdb_pid=

say() { printf '==> %s\n' "$*"; }

cleanup() {
  # A second Ctrl-C must not cut the clean-up short; each step is bounded in time.
  trap '' INT TERM
  trap - EXIT
  set +e
  say "stopping and removing everything this try-out started"
  timeout 60 docker ps -aq --filter "label=$LABEL" --filter "label=xpto.tryout.run=$run_id" |
    xargs -r timeout 60 docker rm -f >/dev/null 2>&1
  timeout 30 docker network rm "$NETWORK-$run_id" >/dev/null 2>&1
  if [ -n "$ferretdb_pid" ]; then
    kill "$ferretdb_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$ferretdb_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$ferretdb_pid" 2>/dev/null
    wait "$ferretdb_pid" 2>/dev/null
  fi
  [ -n "${ferretdb_dir:-}" ] && rm -rf "$ferretdb_dir"
  if $started_docker; then bash scripts/docker-daemon.sh stop; fi
  say "done"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if ! docker info >/dev/null 2>&1; then
  say "starting a Docker engine"
  command -v dockerd >/dev/null 2>&1 || bash scripts/setup.sh
  bash scripts/docker-daemon.sh start
  started_docker=true
fi

mode=${TRYOUT_MODE:-}
if [ -z "$mode" ]; then
  if timeout 60 docker pull --quiet mongo:4.2 >/dev/null 2>&1; then mode=online; else mode=offline; fi
fi
say "mode: $mode"

run_api() {
  docker run --detach --label "$LABEL" --label "xpto.tryout.run=$run_id" --read-only --tmpfs /tmp \
    --cap-drop ALL --security-opt no-new-privileges "$@" "$IMAGE" >/dev/null
}

if [ "$mode" = online ]; then
  say "building $IMAGE from app/Dockerfile"
  docker build --quiet --tag "$IMAGE" app >/dev/null
  docker network create --label "$LABEL" "$NETWORK-$run_id" >/dev/null
  docker run --detach --label "$LABEL" --label "xpto.tryout.run=$run_id" --network "$NETWORK-$run_id" \
    --network-alias mongo mongo:4.2 --noscripting >/dev/null
  run_api --network "$NETWORK-$run_id" --publish "127.0.0.1:$PORT:5000" --env MONGO_URI=mongodb://mongo:27017
else
  bash scripts/setup.sh >/dev/null
  base=$(bash scripts/build-standin-base.sh)
  say "building $IMAGE from app/Dockerfile on the stand-in base $base"
  docker build --quiet --network host --build-arg "BASE_IMAGE=$base" --tag "$IMAGE" app >/dev/null
  ferretdb_dir=$(mktemp -d)
  db_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  bash scripts/run-ferretdb.sh "$ferretdb_dir" "$db_port" >"$ferretdb_dir/ferretdb.log" 2>&1 &
  ferretdb_pid=$!
  # The container shares the host's network: listen on loopback only, as promised.
  run_api --network host --env SERVER_BIND_HOST=127.0.0.1 --env "MONGO_URI=mongodb://127.0.0.1:$db_port"
fi

say "waiting for http://127.0.0.1:$PORT/readyz"
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then
    cat <<EOF

The users API is up at http://127.0.0.1:$PORT  (Ctrl-C stops and removes everything)

  curl http://127.0.0.1:$PORT/
  curl -X POST -H 'Content-Type: application/json' -d '{"id": 1, "name": "Ana"}' http://127.0.0.1:$PORT/api/v1/users
  curl 'http://127.0.0.1:$PORT/api/v1/users?id=1'
  curl -X POST -H 'Content-Type: application/json' -d '{"\$set": {"name": "Ana Maria"}}' http://127.0.0.1:$PORT/api/v1/users/1
  curl -X DELETE http://127.0.0.1:$PORT/api/v1/users/1

EOF
    # Wait here until Ctrl-C (or SIGTERM); the trap cleans up.
    while true; do sleep 1; done
  fi
  sleep 1
done
echo "the API did not become ready; its log:" >&2
docker ps -aq --filter "label=xpto.tryout.run=$run_id" | xargs -r -n1 docker logs --tail 50 >&2 || true
exit 1
