#!/usr/bin/env bash
# Builds the control plane the cluster suite runs, from the Go module proxy,
# into .cache/tools/cluster/: kube-apiserver, kube-controller-manager and
# kubectl of k8s.io/kubernetes v1.34.4, and etcd v3.6.16; and the node the node
# suite runs (scripts/cluster/node.sh): kube-scheduler, kubelet and kube-proxy
# of the same module, kube-router v2.1.0 (NetworkPolicy) and a pause binary for
# the sandbox image. Idempotent: a binary already there with the right version
# is kept. Uses the machine's Go caches.
#
# Neither module can be `go install`ed: their go.mod files replace sibling
# modules with local paths. Each is built from a small wrapper module generated
# under .cache/cluster-build/ (see wrapper-gomod.py).
set -euo pipefail
K8S_VERSION=v1.34.4     # k8s.io/kubernetes; its staging modules are published as v0.34.4
STAGING_VERSION=v0.34.4
ETCD_VERSION=v3.6.16    # go.etcd.io/etcd/server/v3 (its module root is etcd's main package)
KUBE_ROUTER_VERSION=v2.1.0  # github.com/cloudnativelabs/kube-router/v2 (Go module proxy; its go.mod has no replace)
K8S_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

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
need_etcd=1 need_k8s=0 need_router=1 need_pause=1
have "$tools/etcd" "etcd Version: ${ETCD_VERSION#v}" --version && need_etcd=0
for cmd in "${K8S_COMMANDS[@]}"; do
  if [ "$cmd" = kubectl ]; then
    have "$tools/kubectl" "Client Version: $K8S_VERSION" version --client || need_k8s=1
  else
    have "$tools/$cmd" "Kubernetes $K8S_VERSION" --version || need_k8s=1
  fi
done
# kube-router prints its version on stderr: "Running <path> version v2.1.0, built on …".
[ -x "$tools/kube-router" ] && router_version=$("$tools/kube-router" --version 2>&1) &&
  grep -qF "version $KUBE_ROUTER_VERSION," <<<"$router_version" && need_router=0
have "$tools/pause" "pause $(cat "$root/scripts/cluster/pause/version")" -v && need_pause=0
if [ "$need_etcd$need_k8s$need_router$need_pause" = 0000 ]; then
  echo "cluster binaries present: etcd $ETCD_VERSION, ${K8S_COMMANDS[*]} $K8S_VERSION, kube-router $KUBE_ROUTER_VERSION, pause ($tools)"
  exit 0
fi
command -v go >/dev/null || { echo "Go is required to build the cluster suite's control plane" >&2; exit 1; }

todo=()
[ "$need_etcd" = 1 ] && todo+=("etcd $ETCD_VERSION")
[ "$need_k8s" = 1 ] && todo+=("${K8S_COMMANDS[*]} $K8S_VERSION")
[ "$need_router" = 1 ] && todo+=("kube-router $KUBE_ROUTER_VERSION")
[ "$need_pause" = 1 ] && todo+=("pause")
echo "building ${todo[*]} with $(go version | cut -d' ' -f3) into $tools"
echo "a cold build (empty Go build cache) takes 15 to 25 minutes on 2 cores (etcd ~2, Kubernetes ~15, kube-router ~4): it is not stuck; warm, seconds"
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
  echo "Kubernetes $K8S_VERSION: building ${K8S_COMMANDS[*]}…"
  wrapper "$work/kubernetes" "k8s.io/kubernetes@$K8S_VERSION" "$STAGING_VERSION"
  minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  ldflags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  rm -rf "$work/out" && mkdir -p "$work/out"
  (cd "$work/kubernetes" && go build -trimpath -tags selinux,notest -ldflags "$ldflags" -o "$work/out/" \
    "${K8S_COMMANDS[@]/#/k8s.io/kubernetes/cmd/}")
  for cmd in "${K8S_COMMANDS[@]}"; do mv "$work/out/$cmd" "$tools/"; done
  echo "Kubernetes built in $((SECONDS - started)) s: $("$tools/kube-apiserver" --version), kubectl $(first_line "$tools/kubectl" version --client)"
fi


if [ "$need_router" = 1 ]; then
  started=$SECONDS
  echo "kube-router $KUBE_ROUTER_VERSION: building…"
  (cd "$scratch" && GOFLAGS= GOBIN="$tools" go install -trimpath \
    -ldflags "-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION")
  echo "kube-router built in $((SECONDS - started)) s: $("$tools/kube-router" --version 2>&1)"
fi

if [ "$need_pause" = 1 ]; then
  # The pod sandbox's process (containerd's sandbox_image, see node.sh): no image can be pulled here.
  (cd "$root/scripts/cluster/pause" && GOFLAGS= go build -trimpath -ldflags "-X main.version=$(cat version)" -o "$tools/pause" .)
  echo "pause built: $("$tools/pause" -v)"
fi
