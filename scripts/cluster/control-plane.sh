#!/usr/bin/env bash
# Runs a Kubernetes control plane for the cluster suite on 127.0.0.1 only:
# etcd (2379, 2380), kube-apiserver (6443), kube-controller-manager (10257).
# No kubelet, no scheduler: Pods stay Pending (scripts/cluster/node.sh adds them).
# The ports and $STATE can be moved by environment, for a second instance on
# one machine: XPTO_ETCD_PORT, XPTO_ETCD_PEER_PORT, XPTO_APISERVER_PORT,
# XPTO_CONTROLLER_MANAGER_PORT, XPTO_CONTROL_PLANE_STATE.
#
#   control-plane.sh start    start it in the background (a no-op if it already runs)
#   control-plane.sh stop     stop what `start` started and delete its data
#   control-plane.sh status   exit 0 when it runs and answers; prints the admin kubeconfig
#   control-plane.sh run      start it in the foreground; Ctrl-C stops it and deletes its data
#
# The binaries come from scripts/cluster/build.sh (.cache/tools/cluster). Data,
# certificates and logs live in a temporary directory; $STATE records it and
# the process ids, so any checkout of the project finds a running instance.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tools="$root/.cache/tools/cluster"
# shellcheck source=scripts/cluster/kubeconfig.sh
. "$root/scripts/cluster/kubeconfig.sh"
STATE=${XPTO_CONTROL_PLANE_STATE:-${TMPDIR:-/tmp}/xpto-control-plane.env}
ETCD_PORT=${XPTO_ETCD_PORT:-2379}
ETCD_PEER_PORT=${XPTO_ETCD_PEER_PORT:-2380}
APISERVER_PORT=${XPTO_APISERVER_PORT:-6443}
CONTROLLER_MANAGER_PORT=${XPTO_CONTROLLER_MANAGER_PORT:-10257}
PORTS=("$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$CONTROLLER_MANAGER_PORT")

log() { printf '[control-plane] %s\n' "$*" >&2; }

# Reads $STATE (DATA_DIR, KUBECONFIG, PIDS) when it exists.
load_state() {
  DATA_DIR='' KUBECONFIG_FILE='' PIDS=''
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  . "$STATE"
}

api_ready() {
  [ -n "${DATA_DIR:-}" ] && [ -f "$DATA_DIR/pki/admin.crt" ] || return 1
  curl -sf --max-time 2 --cacert "$DATA_DIR/pki/ca.crt" --cert "$DATA_DIR/pki/admin.crt" \
    --key "$DATA_DIR/pki/admin.key" https://127.0.0.1:$APISERVER_PORT/readyz >/dev/null 2>&1
}
controller_manager_ready() {
  curl -skf --max-time 2 https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz >/dev/null 2>&1
}
running() {
  load_state || return 1
  local pid
  for pid in $PIDS; do kill -0 "$pid" 2>/dev/null || return 1; done
  api_ready && controller_manager_ready
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Stops the processes listed in $STATE (ours, by pid) and deletes the data.
stop_all() {
  load_state || return 0
  local pid
  for pid in $PIDS; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for pid in $PIDS; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in $PIDS; do kill -KILL "$pid" 2>/dev/null || true; done
  case "$DATA_DIR" in
    "${TMPDIR:-/tmp}"/xpto-control-plane.*) rm -rf "$DATA_DIR" ;;
  esac
  rm -f "$STATE"
  log "stopped; data deleted"
}

write_state() {
  printf 'DATA_DIR=%q\nKUBECONFIG_FILE=%q\nPIDS=%q\n' "$DATA_DIR" "$DATA_DIR/admin.kubeconfig" "$PIDS" > "$STATE"
}

# Certificates with openssl: a CA, the API server's serving certificate, client
# certificates for the admin (system:masters) and the controller-manager, and
# the key pair that signs and verifies ServiceAccount tokens.
make_pki() {
  local pki=$DATA_DIR/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=xpto-test-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  client_or_server() { # NAME SUBJECT EXTENSIONS
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
    printf '%s\n' "$3" > "$pki/$1.ext"
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
  }
  client_or_server apiserver "/CN=kube-apiserver" "$(printf '%s\n' \
    "basicConstraints=CA:FALSE" "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local")"
  local client_ext
  client_ext=$(printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=clientAuth")
  client_or_server admin "/O=system:masters/CN=xpto-admin" "$client_ext"
  client_or_server controller-manager "/CN=system:kube-controller-manager" "$client_ext"
  # How the API server authenticates to a kubelet (logs, exec, port-forward), when a node runs.
  client_or_server apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client_ext"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

kubeconfig() { # FILE USER
  write_kubeconfig "$1" "$2" "$DATA_DIR/pki" "$DATA_DIR/pki/ca.crt"
}

wait_for() { # WHAT SECONDS CHECK...
  local what=$1 limit=$2 started=$SECONDS
  shift 2
  until "$@"; do
    if [ $((SECONDS - started)) -ge "$limit" ]; then
      log "$what did not become ready within $limit s; last log lines:"
      tail -n 20 "$DATA_DIR/$what.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

start_all() {
  if running; then
    log "already running (data in $DATA_DIR)"
    return 0
  fi
  [ -f "$STATE" ] && stop_all   # a half-dead earlier instance: clear it first
  for bin in etcd kube-apiserver kube-controller-manager kubectl; do
    [ -x "$tools/$bin" ] || { log "$tools/$bin is missing: run bash scripts/cluster/build.sh (or scripts/setup.sh)"; return 1; }
  done
  for port in "${PORTS[@]}"; do
    if port_in_use "$port"; then log "port $port on 127.0.0.1 is in use by another process"; return 1; fi
  done

  DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/xpto-control-plane.XXXXXX")
  PIDS=''
  write_state
  local started=$SECONDS
  log "starting etcd, kube-apiserver and kube-controller-manager on 127.0.0.1 (data in $DATA_DIR)"
  make_pki
  kubeconfig "$DATA_DIR/admin.kubeconfig" admin
  kubeconfig "$DATA_DIR/controller-manager.kubeconfig" controller-manager

  setsid "$tools/etcd" --name=xpto-test --data-dir="$DATA_DIR/etcd" \
    --listen-client-urls=http://127.0.0.1:$ETCD_PORT --advertise-client-urls=http://127.0.0.1:$ETCD_PORT \
    --listen-peer-urls=http://127.0.0.1:$ETCD_PEER_PORT --initial-advertise-peer-urls=http://127.0.0.1:$ETCD_PEER_PORT \
    --initial-cluster=xpto-test=http://127.0.0.1:$ETCD_PEER_PORT --unsafe-no-fsync --log-level=warn \
    > "$DATA_DIR/etcd.log" 2>&1 &
  PIDS="$PIDS $!"
  write_state
  wait_for etcd 30 curl -sf -o /dev/null --max-time 2 http://127.0.0.1:$ETCD_PORT/health

  local pki=$DATA_DIR/pki
  setsid "$tools/kube-apiserver" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --etcd-servers=http://127.0.0.1:$ETCD_PORT --service-cluster-ip-range=10.0.0.0/24 \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --client-ca-file="$pki/ca.crt" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --endpoint-reconciler-type=none --cert-dir="$DATA_DIR/apiserver-certs" --profiling=false \
    > "$DATA_DIR/kube-apiserver.log" 2>&1 &
  PIDS="$PIDS $!"
  write_state
  wait_for kube-apiserver 90 api_ready

  setsid "$tools/kube-controller-manager" --kubeconfig="$DATA_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DATA_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$DATA_DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT" --cert-dir="$DATA_DIR/controller-manager-certs" \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --use-service-account-credentials --leader-elect=false --profiling=false \
    > "$DATA_DIR/kube-controller-manager.log" 2>&1 &
  PIDS="$PIDS $!"
  write_state
  wait_for kube-controller-manager 60 controller_manager_ready
  log "ready in $((SECONDS - started)) s: $("$tools/kubectl" --kubeconfig "$DATA_DIR/admin.kubeconfig" version 2>/dev/null | tr '\n' ' ')"
}

case "${1:-}" in
  start)
    # Ctrl-C or a failure while starting removes whatever had started.
    trap 'status=$?; trap - INT TERM EXIT; [ "$status" -eq 0 ] || stop_all; exit "$status"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start_all
    load_state
    echo "$KUBECONFIG_FILE"
    ;;
  run)
    if running; then log "already running (data in $DATA_DIR); stop it first"; exit 1; fi
    trap 'trap - INT TERM EXIT; stop_all' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start_all
    load_state
    log "running; KUBECONFIG=$KUBECONFIG_FILE; Ctrl-C stops it"
    while running; do sleep 2; done
    log "a component exited; see the logs in $DATA_DIR"
    exit 1
    ;;
  stop)
    stop_all
    ;;
  status)
    if running; then echo "$KUBECONFIG_FILE"; else exit 1; fi
    ;;
  *)
    echo "usage: $0 start|stop|status|run" >&2
    exit 2
    ;;
esac
