#!/usr/bin/env bash
# The project's single test command: installs what is missing, then runs every
# suite (type check, lint, infra unit tests, API, cluster, container and node tests) and
# prints one summary line. Exits non-zero when any suite fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rm -rf reports && mkdir -p reports

bash scripts/setup.sh || { echo "set-up failed" >&2; exit 1; }

passed=0
failed=0
failures=()
suite() {
  local name=$1
  shift
  printf '\n==> %s\n' "$name"
  local started=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    printf -- '--- %s passed in %d s\n' "$name" $((SECONDS - started))
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf -- '--- %s FAILED after %d s\n' "$name" $((SECONDS - started))
  fi
}

suite "type check (tsc --noEmit)" npx tsc --noEmit
suite "lint (eslint)" npx eslint .
suite "infra unit tests (mocha, Pulumi mocks)" npx mocha --reporter spec
# As in the agent's groovy container: no curl or wget, nothing downloaded.
suite "Jenkinsfile lint and behaviour tests (npm-groovy-lint, Groovy; no curl or wget on PATH)" \
  bash scripts/without-downloaders.sh bash scripts/test-jenkinsfile.sh

# The API's database tests, exactly as the README runs them alone: with no
# Docker engine reachable and no stand-in image, whatever Docker's state.
suite "API tests (pytest, FerretDB; no Docker)" \
  env -u STANDIN_BASE_IMAGE DOCKER_HOST=unix:///nonexistent/docker.sock \
  bash -c 'cd app && ../.venv/bin/python -m pytest -m "not container" --junitxml=../reports/api.xml -p no:cacheprovider'

# Cluster suite: the objects on a real kube-apiserver + controller-manager (scripts/cluster/, test/cluster/).
cluster_started=$SECONDS
suite "cluster suite (kube-apiserver, etcd, kube-controller-manager on 127.0.0.1)" bash scripts/test-cluster.sh
cluster_seconds=$((SECONDS - cluster_started))

# The image tests need a Docker engine and the stand-in base image.
stop_docker() { bash scripts/docker-daemon.sh stop; }
trap stop_docker EXIT
if bash scripts/docker-daemon.sh start && STANDIN_BASE_IMAGE=$(bash scripts/build-standin-base.sh); then
  export STANDIN_BASE_IMAGE
  suite "container tests (pytest, Docker, try-out)" \
    bash -c 'cd app && ../.venv/bin/python -m pytest -m container --junitxml=../reports/container.xml -p no:cacheprovider'
  # Node suite: both app stacks on a real node (scripts/cluster/node.sh, test/node/); its images come from this engine.
  node_started=$SECONDS
  suite "node suite (kubelet, containerd, kube-proxy, kube-router: both app stacks, policies, rollouts under load)" \
    bash scripts/test-node.sh
  node_seconds=$((SECONDS - node_started))
else
  failed=$((failed + 1))
  failures+=("Docker engine or stand-in base image")
fi

[ -f reports/image-size.txt ] && printf '\n%s' "$(cat reports/image-size.txt)"
printf '\n'
[ "$failed" -eq 0 ] || printf 'failed suites: %s\n' "${failures[*]}"
printf 'cluster suite: %d s, node suite: %d s of the whole command (%d s)\n' "$cluster_seconds" "${node_seconds:-0}" "$SECONDS"
printf 'suites: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
