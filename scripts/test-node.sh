#!/usr/bin/env bash
# The node suite (test/node/): the app stacks' objects on a real node —
# kubelet, containerd + runc, kube-proxy (iptables), kube-router
# (NetworkPolicy), a stand-in cluster DNS — beside the control plane of the
# cluster suite, on 127.0.0.1 and isolated interfaces only (scripts/cluster/node.sh).
# Builds what is missing (binaries: scripts/cluster/build.sh; images with the
# Docker engine: scripts/cluster/node-images.sh), starts a control plane unless
# one runs, starts the node, runs the suite, then stops the node and what it
# started and checks that nothing is left behind — also on failure and Ctrl-C,
# printing every component's log when something failed. Needs root, a Docker
# engine and STANDIN_BASE_IMAGE's builder (scripts/build-standin-base.sh).
# Extra arguments go to mocha (e.g. --grep production).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$SECONDS
control_plane=scripts/cluster/control-plane.sh
node=scripts/cluster/node.sh

if [ "$(id -u)" -ne 0 ]; then
  echo "[node suite] needs root: the node makes interfaces, iptables rules, mounts and cgroups" >&2
  exit 1
fi
bash scripts/cluster/build.sh
images_started=$SECONDS
images=$(bash scripts/cluster/node-images.sh)
echo "[node suite] images built and saved in $((SECONDS - images_started)) s: $images"
# One cluster run at a time on this machine (fixed ports and interfaces): the cluster suite's lock.
exec 9>"${XPTO_CLUSTER_LOCK:-${TMPDIR:-/tmp}/xpto-cluster-suite.lock}"
if ! flock -n 9; then
  echo "[node suite] another cluster suite run holds the control plane: waiting for it to finish"
  flock 9
fi
status=0
stop_all() {
  trap - EXIT INT TERM
  if [ -n "${mocha_pid:-}" ]; then kill -TERM "$mocha_pid" 2>/dev/null || true; wait "$mocha_pid" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ]; then
    echo "[node suite] failed: the node's components' logs follow" >&2
    bash "$node" logs >&2 || true
    if [ -n "${own_control_plane:-}" ] && [ -f "${XPTO_CONTROL_PLANE_STATE:-${TMPDIR:-/tmp}/xpto-control-plane.env}" ]; then
      cp_dir=$(. "${XPTO_CONTROL_PLANE_STATE:-${TMPDIR:-/tmp}/xpto-control-plane.env}" && echo "$DATA_DIR")
      for f in "$cp_dir"/*.log; do printf '\n----- %s (last 30 lines) -----\n' "$f" >&2; tail -n 30 "$f" >&2; done
    fi
  fi
  bash "$node" stop || status=1
  [ -n "${own_control_plane:-}" ] && { bash "$control_plane" stop || status=1; }
  if ! bash "$node" leftovers; then status=1; fi
  echo "[node suite] $((SECONDS - started)) s in all (images, control plane and node start and stop included)"
  exit "$status"
}
trap 'status=$?; stop_all' EXIT
trap 'status=130; stop_all' INT
trap 'status=143; stop_all' TERM
own_control_plane=''
if bash "$control_plane" status >/dev/null; then
  echo "[node suite] a control plane already runs on 127.0.0.1: using it, and leaving it running"
else
  own_control_plane=1
  bash "$control_plane" start 9>&- >/dev/null
fi
bash "$node" start 9>&-
bash "$node" load "$images"
# In the background and waited for, so that Ctrl-C or TERM stops the node at once
# (mocha itself lets the running test finish first).
node_modules/.bin/mocha --config test/node/mocharc.json "$@" &
mocha_pid=$!
wait "$mocha_pid" || status=$?
mocha_pid=''
exit "$status"
