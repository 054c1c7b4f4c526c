#!/usr/bin/env bash
# The cluster suite (test/cluster/): the program's Kubernetes objects on a real
# kube-apiserver, etcd and kube-controller-manager on 127.0.0.1. Builds the
# control plane if it is missing (cold: about 15 minutes), starts it unless one
# already runs, runs the suite, and stops what it started — also on Ctrl-C.
# Extra arguments go to mocha (e.g. --grep production).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$SECONDS
control_plane=scripts/cluster/control-plane.sh

bash scripts/cluster/build.sh
# One run at a time on this machine (the ports are fixed): another checkout's run waits for this one.
exec 9>"${XPTO_CLUSTER_LOCK:-${TMPDIR:-/tmp}/xpto-cluster-suite.lock}"
if ! flock -n 9; then
  echo "[cluster suite] another cluster suite run holds the control plane: waiting for it to finish"
  flock 9
fi
if bash "$control_plane" status >/dev/null; then
  echo "[cluster suite] a control plane already runs on 127.0.0.1: using it, and leaving it running"
else
  trap 'bash "$control_plane" stop' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  bash "$control_plane" start 9>&- >/dev/null   # the daemons must not hold the lock
fi
status=0
npx mocha --config test/cluster/mocharc.json "$@" || status=$?
echo "[cluster suite] $((SECONDS - started)) s in all (control plane start and stop included)"
exit "$status"
