#!/usr/bin/env bash
# Builds the control plane the cluster suite runs, from the Go module proxy,
# into .cache/tools/cluster/: kube-apiserver, kube-controller-manager and
# kubectl of k8s.io/kubernetes v1.34.4, and etcd v3.6.16. Idempotent: a binary
# already there with the right version is kept. Uses the machine's Go caches.
#
# Neither module can be `go install`ed: their go.mod files replace sibling
# modules with local paths. Each is built from a small wrapper module generated
# under .cache/cluster-build/ (see wrapper-gomod.py).
set -euo pipefail
K8S_VERSION=v1.34.4     # k8s.io/kubernetes; its staging modules are published as v0.34.4
STAGING_VERSION=v0.34.4
ETCD_VERSION=v3.6.16    # go.etcd.io/etcd/server/v3 (its module root is etcd's main package)

root=$(cd "$(dirname "$0")/../.." && pwd)
tools="$root/.cache/tools/cluster"
work="$root/.cache/cluster-build"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

have() { # have BINARY EXPECTED-VERSION-TEXT VERSION-COMMAND...
  local bin=$1 want=$2
  shift 2
  local out
  [ -x "$bin" ] && out=$("$bin" "$@" 2>/dev/null) && grep -qF "$want" <<<"$out"
}
# The first line a command prints, read whole first: `cmd | head -1` under
# pipefail fails whenever head exits before cmd's next write (SIGPIPE).
first_line() {
  local out
  out=$("$@")
  printf '%s' "${out%%$'\n'*}"
}
need_etcd=1 need_k8s=1
have "$tools/etcd" "etcd Version: ${ETCD_VERSION#v}" --version && need_etcd=0
have "$tools/kube-apiserver" "Kubernetes $K8S_VERSION" --version &&
  have "$tools/kube-controller-manager" "Kubernetes $K8S_VERSION" --version &&
  have "$tools/kubectl" "Client Version: $K8S_VERSION" version --client && need_k8s=0
if [ "$need_etcd$need_k8s" = 00 ]; then
  echo "control plane binaries present: etcd $ETCD_VERSION, kube-apiserver/kube-controller-manager/kubectl $K8S_VERSION ($tools)"
  exit 0
fi
command -v go >/dev/null || { echo "Go is required to build the cluster suite's control plane" >&2; exit 1; }

todo=()
[ "$need_etcd" = 1 ] && todo+=("etcd $ETCD_VERSION")
[ "$need_k8s" = 1 ] && todo+=("kube-apiserver, kube-controller-manager, kubectl $K8S_VERSION")
echo "building ${todo[*]} with $(go version | cut -d' ' -f3) into $tools"
echo "a cold build (empty Go build cache) takes 10 to 15 minutes on 2 cores (etcd ~2, Kubernetes ~10): it is not stuck; warm, seconds"
mkdir -p "$tools" "$work"
scratch=$(mktemp -d)   # outside any module, for `go mod download`
trap 'rm -rf "$scratch"' EXIT

# wrapper DIR MODULE@VERSION SIBLING-VERSION: a module under DIR that builds MODULE's commands.
wrapper() {
  local dir=$1 upstream=$2 siblings=$3 gomod
  mkdir -p "$dir"
  gomod=$(cd "$scratch" && go mod download -json "$upstream" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["GoMod"])')
  python3 "$root/scripts/cluster/wrapper-gomod.py" "xpto.local/$(basename "$dir")" "$gomod" "$upstream" "$siblings" > "$dir/go.mod.new"
  if ! cmp -s "$dir/go.mod.new" "$dir/go.mod.generated" 2>/dev/null; then
    mv "$dir/go.mod.new" "$dir/go.mod.generated"
    cp "$dir/go.mod.generated" "$dir/go.mod"
    rm -f "$dir/go.sum"
  else
    rm -f "$dir/go.mod.new"
  fi
}

if [ "$need_etcd" = 1 ]; then
  started=$SECONDS
  echo "etcd $ETCD_VERSION: building (go.etcd.io/etcd/server/v3)…"
  wrapper "$work/etcd" "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "$ETCD_VERSION"
  (cd "$work/etcd" && go build -trimpath -o "$tools/etcd.new" go.etcd.io/etcd/server/v3)
  mv "$tools/etcd.new" "$tools/etcd"
  echo "etcd built in $((SECONDS - started)) s: $(first_line "$tools/etcd" --version)"
fi

if [ "$need_k8s" = 1 ]; then
  started=$SECONDS
  echo "Kubernetes $K8S_VERSION: building kube-apiserver, kube-controller-manager, kubectl…"
  wrapper "$work/kubernetes" "k8s.io/kubernetes@$K8S_VERSION" "$STAGING_VERSION"
  minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  ldflags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  rm -rf "$work/out" && mkdir -p "$work/out"
  (cd "$work/kubernetes" && go build -trimpath -tags selinux,notest -ldflags "$ldflags" -o "$work/out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)
  mv "$work/out/kube-apiserver" "$work/out/kube-controller-manager" "$work/out/kubectl" "$tools/"
  echo "Kubernetes built in $((SECONDS - started)) s: $("$tools/kube-apiserver" --version), kubectl $(first_line "$tools/kubectl" version --client)"
fi
