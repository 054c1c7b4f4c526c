#!/usr/bin/env bash
# Installs everything the tests and the local try-out need, on a fresh Debian
# machine or a developer's: Debian packages (when missing), npm packages from
# package-lock.json, a Python virtual environment from app/requirements*.txt,
# and FerretDB. Safe to run again: each step skips what is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n==> %s\n' "$*"; }
# A first run builds and downloads for a few minutes; each step says what and roughly how long.

# Debian packages: the Docker engine, debootstrap for the stand-in base image,
# Java for the Jenkinsfile tests,
# Debian's registry for the push/pull test and wrk for the benchmark;
# for the node suite's node (scripts/cluster/node.sh): containerd and runc, the
# CNI plugins (bridge, host-local), iptables, ipset (kube-router's NetworkPolicy
# rules) and conntrack (kube-proxy).
missing=()
for pair in dockerd:docker.io debootstrap:debootstrap docker-registry:docker-registry wrk:wrk java:openjdk-17-jre-headless curl:curl \
  containerd:containerd runc:runc /usr/lib/cni/bridge:containernetworking-plugins iptables:iptables ipset:ipset conntrack:conntrack; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "apt-get install ${missing[*]} (about a minute)"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "npm packages (npm ci: about a minute the first time)"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

step "Python virtual environment (.venv: under a minute the first time)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! cmp -s app/requirements-dev.txt .venv/.installed-requirements 2>/dev/null ||
   ! cmp -s app/requirements.txt .venv/.installed-runtime 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r app/requirements-dev.txt
  cp app/requirements-dev.txt .venv/.installed-requirements
  cp app/requirements.txt .venv/.installed-runtime
fi

step "FerretDB, the tests' MongoDB-protocol server (built from Go modules: about 3 minutes the first time)"
bash scripts/install-ferretdb.sh

# Cluster suite (test/cluster/): etcd, kube-apiserver, kube-controller-manager
# and kubectl, built from the Go module proxy into .cache/tools/cluster.
step "Kubernetes control plane and node for the cluster and node suites (built from Go modules: 15 to 25 minutes the first time)"
bash scripts/cluster/build.sh
