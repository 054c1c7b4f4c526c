#!/usr/bin/env bash
# Runs one Kubernetes node beside the control plane of control-plane.sh, on
# this machine, for the node suite (test/node/): kube-scheduler, containerd
# (Debian's, with runc), kubelet, kube-proxy (iptables mode), kube-router
# (NetworkPolicy only) and a stand-in for cluster DNS. Traffic stays on this
# machine: the node's address is on an interface of its own with nothing behind it, pods sit on a bridge
# of their own, and they have routes only to each other, to the Service range
# and to the node: no default route, and a firewall rule drops anything they
# would send elsewhere.
#
#   node.sh start          start it in the background (needs a running control plane)
#   node.sh load TAR NAME… import images saved by `docker save` into containerd; NAME=REF adds a name
#   node.sh stop           stop it and remove everything it made (processes, pods, mounts,
#                          interfaces, iptables chains, ipsets, cgroups, data)
#   node.sh status         exit 0 when every component runs; prints the state file
#   node.sh logs           print the tail of every component's log
#
# One node per machine: the addresses, interface names and ports below are fixed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
tools="$root/.cache/tools/cluster"
# shellcheck source=scripts/cluster/kubeconfig.sh
. "$root/scripts/cluster/kubeconfig.sh"
STATE=${XPTO_NODE_STATE:-${TMPDIR:-/tmp}/xpto-node.env}
CONTROL_PLANE_STATE=${XPTO_CONTROL_PLANE_STATE:-${TMPDIR:-/tmp}/xpto-control-plane.env}
APISERVER_PORT=${XPTO_APISERVER_PORT:-6443}

NODE_NAME=xpto-node
NODE_IP=172.30.0.1            # on $NODE_LINK, a bridge with no port; kubelet, cluster DNS
NODE_LINK=xpto-node0
POD_CIDR=10.244.0.0/24        # host-local IPAM on the bridge $POD_BRIDGE
POD_GATEWAY=10.244.0.1
POD_BRIDGE=xpto-br0
SERVICE_CIDR=10.0.0.0/24      # control-plane.sh's --service-cluster-ip-range
CGROUP_ROOT=/xpto-node        # every pod's cgroup lives under it, in each hierarchy
FIREWALL_CHAIN=XPTO-NODE-ISOLATION
# Paths the kubelet, containerd and CNI use whatever they are told: removed at stop if the node made them.
HOST_PATHS=(/var/log/pods /var/log/containers /run/containerd /var/lib/cni /usr/libexec/kubernetes /var/lib/kubelet)
# kubelet 10250 (node IP), 10248 (healthz); kube-scheduler 10259; kube-proxy
# 10249 (metrics), 10256 (healthz): all on 127.0.0.1 but the kubelet's. kube-router
# listens on nothing (its health port would bind every interface).
SCHEDULER_PORT=10259
COMPONENTS=(containerd kube-scheduler kubelet kube-proxy kube-router cluster-dns)

log() { printf '[node] %s\n' "$*" >&2; }

load_state() {
  NODE_DIR='' PIDS='' RESTORE_SYSCTL='' CREATED_PATHS=''
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  . "$STATE"
}
write_state() {
  printf 'NODE_DIR=%q\nPIDS=%q\nRESTORE_SYSCTL=%q\nCREATED_PATHS=%q\nKUBECONFIG_FILE=%q\nCONTAINERD_SOCKET=%q\n' \
    "$NODE_DIR" "$PIDS" "$RESTORE_SYSCTL" "$CREATED_PATHS" "$CP_DIR/admin.kubeconfig" "$NODE_DIR/containerd/containerd.sock" > "$STATE"
}
pid_of() { # NAME: the pid recorded for a component
  local entry
  for entry in $PIDS; do [ "${entry%%=*}" = "$1" ] && { echo "${entry#*=}"; return 0; }; done
  return 1
}
control_plane() {
  [ -f "$CONTROL_PLANE_STATE" ] || { log "no control plane: start it with scripts/cluster/control-plane.sh start"; return 1; }
  CP_DIR=$(. "$CONTROL_PLANE_STATE" && echo "$DATA_DIR")
}
kubectl_admin() { "$tools/kubectl" --kubeconfig "$CP_DIR/admin.kubeconfig" "$@"; }
ctr_node() { ctr --address "$NODE_DIR/containerd/containerd.sock" -n k8s.io "$@"; }

# --- certificates and kubeconfigs, signed by the control plane's CA --------
client_certificate() { # NAME SUBJECT
  local pki=$NODE_DIR/pki
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=clientAuth" > "$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$CP_DIR/pki/ca.crt" -CAkey "$CP_DIR/pki/ca.key" -CAcreateserial \
    -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
  write_kubeconfig "$NODE_DIR/$1.kubeconfig" "$1" "$pki" "$CP_DIR/pki/ca.crt"
}

# --- what each component is given ------------------------------------------
write_configs() {
  mkdir -p "$NODE_DIR/pki" "$NODE_DIR/cni/net.d" "$NODE_DIR/cni/ipam" "$NODE_DIR/containerd" "$NODE_DIR/volumes"
  client_certificate kubelet "/O=system:nodes/CN=system:node:$NODE_NAME"
  client_certificate kube-proxy "/CN=system:kube-proxy"
  client_certificate kube-scheduler "/CN=system:kube-scheduler"
  client_certificate kube-router "/CN=xpto:kube-router"

  # containerd 1.6 (config version 2, keys as `containerd config default` prints them).
  cat > "$NODE_DIR/containerd/config.toml" <<TOML
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
[grpc]
  address = "$NODE_DIR/containerd/containerd.sock"
[ttrpc]
  address = "$NODE_DIR/containerd/containerd.sock.ttrpc"
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$NODE_DIR/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "xpto.local/pause:$(cat "$root/scripts/cluster/pause/version")"
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    disable_apparmor = true
    enable_unprivileged_ports = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$NODE_DIR/cni/net.d"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          Root = "$NODE_DIR/containerd/runc"
          SystemdCgroup = false
TOML

  # Pods: a bridge, addresses from host-local, routes to the pod network, the Service range and the node only.
  cat > "$NODE_DIR/cni/net.d/10-xpto.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "xpto-pods",
  "plugins": [{
    "type": "bridge",
    "bridge": "$POD_BRIDGE",
    "isGateway": true,
    "isDefaultGateway": false,
    "ipMasq": false,
    "hairpinMode": true,
    "ipam": {
      "type": "host-local",
      "dataDir": "$NODE_DIR/cni/ipam",
      "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY"}]],
      "routes": [{"dst": "$SERVICE_CIDR"}, {"dst": "$NODE_IP/32"}]
    }
  }]
}
JSON
  : > "$NODE_DIR/resolv.conf"   # pods get cluster DNS only, none of this machine's resolvers

  cat > "$NODE_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $CP_DIR/pki/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$NODE_DIR/containerd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP_ROOT
failCgroupV1: false
failSwapOn: false
volumePluginDir: $NODE_DIR/kubelet-plugins
clusterDNS: [$NODE_IP]
clusterDomain: cluster.local
resolvConf: $NODE_DIR/resolv.conf
# Images are imported, never pulled: nothing may collect them; and a busy CI disk must not evict the suite's pods.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
serializeImagePulls: false
maxPods: 60
YAML

  cat > "$NODE_DIR/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $NODE_DIR/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$NODE_IP/32]
iptables: {localhostNodePorts: false, masqueradeAll: false}
# Zero: leave this machine's conntrack settings as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
oomScoreAdj: 0
YAML
}

# --- the host side: interfaces, routes, firewall, sysctls --------------------
check_host_free() {
  local problem=''
  ip link show "$NODE_LINK" >/dev/null 2>&1 && problem+=" interface $NODE_LINK exists;"
  ip link show "$POD_BRIDGE" >/dev/null 2>&1 && problem+=" interface $POD_BRIDGE exists;"
  grep -qE "^(${POD_CIDR%/*}|${SERVICE_CIDR%/*})/" <<<"$(ip -4 route show)" && problem+=" a route for $POD_CIDR or $SERVICE_CIDR exists;"
  grep -qE "inet ($NODE_IP|${POD_CIDR%.*}\.)" <<<"$(ip -4 addr show)" && problem+=" $NODE_IP or $POD_CIDR is in use;"
  grep -qE '^:(KUBE-|XPTO-)' <<<"$(iptables-save 2>/dev/null)" && problem+=" iptables chains KUBE-* or XPTO-* exist;"
  grep -qE '^(inet6:)?KUBE-' <<<"$(ipset list -n 2>/dev/null)" && problem+=" ipsets KUBE-* exist;"
  for dir in /sys/fs/cgroup/*/; do [ -d "$dir${CGROUP_ROOT#/}" ] && problem+=" cgroup $dir${CGROUP_ROOT#/} exists;" && break; done
  for tool in containerd runc ctr ipset iptables /usr/lib/cni/bridge /usr/lib/cni/host-local; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || problem+=" $tool is missing (scripts/setup.sh installs it);"
  done
  for bin in kube-scheduler kubelet kube-proxy kube-router kubectl; do
    [ -x "$tools/$bin" ] || problem+=" $tools/$bin is missing (scripts/cluster/build.sh);"
  done
  if [ -n "$problem" ]; then log "cannot start:$problem (a node left running? node.sh stop)"; return 1; fi
}

setup_host() {
  ip link add "$NODE_LINK" type bridge   # no port: a dummy device (the kernel has no dummy module here)
  ip addr add "$NODE_IP/32" dev "$NODE_LINK"
  ip link set "$NODE_LINK" up
  # Service addresses that no rule rewrites end on that portless interface, never on the default route.
  ip route add "$SERVICE_CIDR" dev "$NODE_LINK"
  ip link add "$POD_BRIDGE" type bridge
  ip addr add "$POD_GATEWAY/${POD_CIDR#*/}" dev "$POD_BRIDGE"
  ip link set "$POD_BRIDGE" up
  iptables -N "$FIREWALL_CHAIN"
  iptables -A "$FIREWALL_CHAIN" -s "$POD_CIDR" -d "$POD_CIDR" -j RETURN
  iptables -A "$FIREWALL_CHAIN" -s "$POD_CIDR" -j DROP
  iptables -A "$FIREWALL_CHAIN" -d "$POD_CIDR" ! -i "$POD_BRIDGE" -j DROP
  iptables -I FORWARD 1 -j "$FIREWALL_CHAIN"
  local key want have
  RESTORE_SYSCTL=''
  for pair in net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1; do
    key=${pair%=*} want=${pair#*=}
    have=$(sysctl -n "$key")
    if [ "$have" != "$want" ]; then
      RESTORE_SYSCTL+=" $key=$have"
      sysctl -q -w "$key=$want"
    fi
  done
  for dir in /sys/fs/cgroup/*/; do
    [ -L "${dir%/}" ] && continue
    mkdir -p "$dir${CGROUP_ROOT#/}"
  done
  # A new cpuset cgroup starts with no CPUs and no memory nodes: give it its parent's.
  local cpuset=/sys/fs/cgroup/cpuset
  if [ -d "$cpuset${CGROUP_ROOT}" ]; then
    cat "$cpuset/cpuset.cpus" > "$cpuset${CGROUP_ROOT}/cpuset.cpus"
    cat "$cpuset/cpuset.mems" > "$cpuset${CGROUP_ROOT}/cpuset.mems"
  fi
  CREATED_PATHS=''
  local p
  for p in "${HOST_PATHS[@]}"; do [ -e "$p" ] || CREATED_PATHS+=" $p"; done
  write_state
}

# --- start -----------------------------------------------------------------
wait_for() { # WHAT SECONDS CHECK...
  local what=$1 limit=$2 started=$SECONDS
  shift 2
  until "$@"; do
    if [ $((SECONDS - started)) -ge "$limit" ]; then
      log "$what not ready within $limit s"
      return 1
    fi
    sleep 0.5
  done
}
launch() { # NAME COMMAND...
  local name=$1
  shift
  setsid "$@" > "$NODE_DIR/$name.log" 2>&1 < /dev/null &
  PIDS="$PIDS $name=$!"
  write_state
}
quietly() { "$@" >/dev/null 2>&1; }
alive() { local pid; pid=$(pid_of "$1") && kill -0 "$pid" 2>/dev/null; }
node_ready() {
  [ "$(kubectl_admin get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

start_all() {
  control_plane
  if load_state && running; then log "already running (data in $NODE_DIR)"; return 0; fi
  [ -f "$STATE" ] && stop_all
  check_host_free
  NODE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/xpto-node.XXXXXX")
  PIDS='' RESTORE_SYSCTL=''
  write_state
  local started=$SECONDS
  log "starting a node: containerd, kube-scheduler, kubelet, kube-proxy, kube-router, cluster DNS (data in $NODE_DIR)"
  write_configs
  setup_host

  # Nothing is ever pulled: every image is imported (node.sh load). Should the kubelet ask for a pull anyway,
  # containerd's registry requests go to a proxy on loopback that does not exist, so they fail on this
  # machine without resolving or reaching any registry.
  launch containerd env HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
    containerd --config "$NODE_DIR/containerd/config.toml" --log-level warn
  wait_for containerd 30 quietly ctr_node version
  launch kube-scheduler "$tools/kube-scheduler" --kubeconfig="$NODE_DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$NODE_DIR/kube-scheduler.kubeconfig" --authorization-kubeconfig="$NODE_DIR/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false --profiling=false
  launch kubelet "$tools/kubelet" --config="$NODE_DIR/kubelet.yaml" --kubeconfig="$NODE_DIR/kubelet.kubeconfig" \
    --root-dir="$NODE_DIR/kubelet" --cert-dir="$NODE_DIR/kubelet-pki" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP"
  wait_for "the kubelet's Node object" 90 quietly kubectl_admin get node "$NODE_NAME"
  # kube-router's firewall: list and watch what its NetworkPolicy controller reads (its upstream daemonset's ClusterRole, reduced).
  kubectl_admin apply --server-side --field-manager=xpto-node -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: xpto-kube-router}
rules:
- apiGroups: [""]
  resources: [namespaces, pods, services, nodes, endpoints]
  verbs: [list, get, watch]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [list, get, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, get, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: xpto-kube-router}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: xpto-kube-router}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "xpto:kube-router"}]
YAML
  launch kube-proxy "$tools/kube-proxy" --config="$NODE_DIR/kube-proxy.yaml"
  launch kube-router "$tools/kube-router" --kubeconfig="$NODE_DIR/kube-router.kubeconfig" --hostname-override="$NODE_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --service-cluster-ip-range="$SERVICE_CIDR" --health-port=0 --metrics-port=0 --iptables-sync-period=1m
  launch cluster-dns node --require tsx/cjs "$root/test/node/clusterDns.ts" \
    "$NODE_IP" "$CP_DIR/admin.kubeconfig"
  wait_for "node $NODE_NAME Ready" 120 node_ready
  wait_for kube-proxy 60 curl -sf -o /dev/null --max-time 2 http://127.0.0.1:10256/healthz
  wait_for "kube-router's firewall chains" 60 quietly iptables -S KUBE-ROUTER-FORWARD
  wait_for kube-scheduler 30 curl -skf -o /dev/null --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz"
  wait_for cluster-dns 30 grep -q 'listening' "$NODE_DIR/cluster-dns.log"
  running || { log "a component exited while starting"; return 1; }
  log "node $NODE_NAME ready in $((SECONDS - started)) s (node IP $NODE_IP, pods $POD_CIDR on $POD_BRIDGE)"
}

running() {
  load_state || return 1
  local name
  for name in "${COMPONENTS[@]}"; do alive "$name" || return 1; done
}

# --- load images -------------------------------------------------------------
load_images() { # TAR [NAME=REF…]
  load_state || { log "no node runs"; return 1; }
  local tar=$1
  shift
  ctr_node images import "$tar" >/dev/null
  local pair
  for pair in "$@"; do
    ctr_node images tag --force "${pair#*=}" "${pair%%=*}" >/dev/null
  done
}

# --- stop --------------------------------------------------------------------
stop_pid() { # NAME [SIGNAL-WAIT-SECONDS]
  local pid
  pid=$(pid_of "$1") || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((${2:-10} * 5))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

# Removes chains named KUBE-* or XPTO-* (kubelet, kube-proxy, kube-router and ours) and the jumps to them.
remove_chains() {
  local table rules chain
  for table in filter nat mangle raw; do
    rules=$(iptables-save -t "$table" 2>/dev/null) || continue
    # Rules in the other chains that jump to ours, deleted by number, last first.
    for chain in $(grep -oE '^:[^ ]+' <<<"$rules" | tr -d ':' | grep -vE '^(KUBE-|XPTO-)' || true); do
      local numbers
      numbers=$(iptables -t "$table" -L "$chain" -n --line-numbers 2>/dev/null | awk '$2 ~ /^(KUBE-|XPTO-)/ {print $1}' | sort -rn)
      for n in $numbers; do iptables -t "$table" -D "$chain" "$n" 2>/dev/null || true; done
    done
    for chain in $(grep -oE '^:(KUBE-|XPTO-)[^ ]+' <<<"$rules" | tr -d ':'); do iptables -t "$table" -F "$chain" 2>/dev/null || true; done
    for chain in $(grep -oE '^:(KUBE-|XPTO-)[^ ]+' <<<"$rules" | tr -d ':'); do iptables -t "$table" -X "$chain" 2>/dev/null || true; done
  done
}

stop_all() {
  load_state || return 0
  local stop_started=$SECONDS
  control_plane 2>/dev/null || CP_DIR=''
  local sock=$NODE_DIR/containerd/containerd.sock
  # 1. Pods: with the scheduler stopped (nothing comes back), the kubelet stops every pod it runs
  #    and tears its network down with CNI.
  stop_pid kube-scheduler
  if [ -n "$CP_DIR" ] && alive kubelet && kubectl_admin get node "$NODE_NAME" >/dev/null 2>&1; then
    kubectl_admin delete pods --all-namespaces --field-selector "spec.nodeName=$NODE_NAME" --grace-period=1 --wait=false >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do
      [ -z "$(kubectl_admin get pods --all-namespaces --field-selector "spec.nodeName=$NODE_NAME" -o name 2>/dev/null)" ] &&
         ! grep -q RUNNING <<<"$(ctr_node tasks ls 2>/dev/null)" && break
      sleep 0.5
    done
  fi
  for name in cluster-dns kube-router kube-proxy kubelet; do stop_pid "$name"; done
  # 2. Whatever is left in containerd: kill the tasks, remove containers.
  if [ -S "$sock" ] && alive containerd; then
    local id
    for id in $(ctr_node tasks ls -q 2>/dev/null); do ctr_node tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 0.5
    for id in $(ctr_node tasks ls -q 2>/dev/null); do ctr_node tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_node containers ls -q 2>/dev/null); do ctr_node containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  stop_pid containerd 15
  # Shims outlive containerd when their tasks could not be deleted: ours are found by our socket in their command line.
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $sock" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
  # 3. Network: the rules of kube-proxy and kube-router, then every chain and set left, then our interfaces.
  [ -x "$tools/kube-proxy" ] && "$tools/kube-proxy" --cleanup --config="$NODE_DIR/kube-proxy.yaml" >> "$NODE_DIR/cleanup.log" 2>&1 || true
  [ -x "$tools/kube-router" ] && timeout 60 "$tools/kube-router" --cleanup-config >> "$NODE_DIR/cleanup.log" 2>&1 || true
  remove_chains
  local set
  for set in $(ipset list -n 2>/dev/null | grep -E '^(inet6:)?KUBE-' || true); do ipset destroy "$set" 2>/dev/null || true; done
  # 4. Mounts under the node's directory (pod volumes, snapshots, network namespaces), deepest first.
  if [ -n "$NODE_DIR" ]; then
    local target
    for target in $(findmnt -rn -o TARGET | grep -F "$NODE_DIR/" | sort -r); do umount -l "$target" 2>/dev/null || true; done
  fi
  ip link del "$POD_BRIDGE" 2>/dev/null || true
  ip link del "$NODE_LINK" 2>/dev/null || true   # and its route
  for veth in $(ip -o link show type veth 2>/dev/null | grep -oE '^[0-9]+: veth[^@:]+' | cut -d' ' -f2); do
    [ "$(ip -o link show "$veth" 2>/dev/null | grep -o "master $POD_BRIDGE")" ] && ip link del "$veth" 2>/dev/null || true
  done
  # 5. cgroups, deepest first; sysctls back to what they were.
  local dir
  for dir in /sys/fs/cgroup/*/; do
    [ -d "$dir${CGROUP_ROOT#/}" ] && find "$dir${CGROUP_ROOT#/}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  local pair
  for pair in $RESTORE_SYSCTL; do sysctl -q -w "$pair" || true; done
  local p
  for p in $CREATED_PATHS; do
    for target in $(findmnt -rn -o TARGET | grep -F "$p/" | sort -r); do umount -l "$target" 2>/dev/null || true; done
    rm -rf "$p"
  done
  # 6. The node's data and state; the kube-router role on a control plane that keeps running.
  [ -n "$CP_DIR" ] && kubectl_admin delete clusterrolebinding,clusterrole xpto-kube-router --ignore-not-found >/dev/null 2>&1 || true
  [ -n "$CP_DIR" ] && kubectl_admin delete node "$NODE_NAME" --ignore-not-found >/dev/null 2>&1 || true
  case "$NODE_DIR" in
    "${TMPDIR:-/tmp}"/xpto-node.*) rm -rf "$NODE_DIR" ;;
  esac
  rm -f "$STATE"
  log "stopped in $((SECONDS - stop_started)) s; pods, mounts, interfaces, iptables chains, ipsets, cgroups and data removed"
}

leftovers() { # prints what a stopped node left behind, if anything
  local found=''
  ip link show "$NODE_LINK" >/dev/null 2>&1 && found+=" interface $NODE_LINK;"
  ip link show "$POD_BRIDGE" >/dev/null 2>&1 && found+=" interface $POD_BRIDGE;"
  grep -qE '^:(KUBE-|XPTO-)' <<<"$(iptables-save 2>/dev/null)" && found+=" iptables chains: $(iptables-save | grep -oE '^:(KUBE-|XPTO-)[^ ]+' | tr '\n' ' ');"
  grep -qE '^(inet6:)?KUBE-' <<<"$(ipset list -n 2>/dev/null)" && found+=" ipsets;"
  grep -q "/xpto-node\." <<<"$(findmnt -rn -o TARGET)" && found+=" mounts;"
  for dir in /sys/fs/cgroup/*/; do [ -d "$dir${CGROUP_ROOT#/}" ] && found+=" cgroup $dir${CGROUP_ROOT#/};" && break; done
  pgrep -f "containerd-shim-runc-v2 .*xpto-node\." >/dev/null 2>&1 && found+=" containerd shims;"
  ls -d "${TMPDIR:-/tmp}"/xpto-node.* >/dev/null 2>&1 && found+=" $(ls -d "${TMPDIR:-/tmp}"/xpto-node.*);"
  [ -z "$found" ] || { echo "left behind:$found"; return 1; }
}

print_logs() {
  load_state || { log "no node state"; return 0; }
  local name
  for name in "${COMPONENTS[@]}" cleanup; do
    [ -f "$NODE_DIR/$name.log" ] || continue
    printf '\n----- %s (last 40 lines of %s) -----\n' "$name" "$NODE_DIR/$name.log"
    tail -n 40 "$NODE_DIR/$name.log"
  done
}

case "${1:-}" in
  start)
    trap 'status=$?; trap - INT TERM EXIT; if [ "$status" -ne 0 ]; then print_logs >&2; stop_all; fi; exit "$status"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start_all
    ;;
  load)
    shift
    load_images "$@"
    ;;
  stop)
    stop_all
    ;;
  status)
    if running; then cat "$STATE"; else exit 1; fi
    ;;
  logs)
    print_logs
    ;;
  leftovers)
    leftovers
    ;;
  *)
    echo "usage: $0 start|load TAR [NAME=REF…]|stop|status|logs|leftovers" >&2
    exit 2
    ;;
esac
