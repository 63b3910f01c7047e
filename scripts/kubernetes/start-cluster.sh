#!/usr/bin/env bash
# Starts a real one-node Kubernetes cluster on this machine for the Kubernetes executor's integration tests (CI and
# local), as root, idempotently:
#   - if every component runs, the API answers /readyz, the node is Ready and the test images and objects are there,
#     prints the summary and exits 0 at once;
#   - else runs scripts/kubernetes/build-cluster.sh (0 s when built; ~15 minutes cold), starts whatever is not running
#     and waits until the node takes pods.
# The processes are detached (own session, no inherited descriptors): they outlive this script and the CI step.
# Concurrent callers serialise on a lock. Stop with scripts/kubernetes/stop-cluster.sh (--purge: state and netns too).
#
# Components (binaries in $SLIPWAY_K8S_HOME/$SLIPWAY_K8S_VERSION/bin, default /opt/slipway-k8s/v1.34.4/bin; state,
# logs and pid files in /tmp/slipway-k8s):
#   127.0.0.1:23790/23800  etcd          127.0.0.1:6443   kube-apiserver (authorization Node,RBAC)
#   127.0.0.1:10257        kcm           127.0.0.1:10259  kube-scheduler
#   10.250.0.1:10250       kubelet (healthz 127.0.0.1:10248), node "slipway-node", node IP 10.250.0.1
#   10.250.0.1:53          CoreDNS: cluster.local from the API, NXDOMAIN for every other name (no upstream)
#   netns slipway-k8s      containerd + runc + the CNI bridge slk8s0 10.244.0.0/24 with every pod
#   veth slk8s-host 10.250.0.1/30 (root netns) <-> slk8s-node 10.250.0.2/30 (netns); route 10.244.0.0/24 via .2
# Nothing listens beyond loopback and that private veth; pods reach nothing outside the machine (no NAT, no kube-proxy,
# so ClusterIP Services are not routed: headless Services and DNS are). Images come only from tarballs imported into
# containerd by scripts/kubernetes/build-test-images.sh (localhost/pause:1, localhost/busybox:1,
# localhost/slipway-python:1); nothing is pulled.
# For the tests it also keeps: namespace slipway-test; ServiceAccount slipway-limited there with a Role granting what
# the executor uses except `create secrets`; pki/limited.kubeconfig with a 48 h token of it (renewed when under 24 h
# is left); cluster.json with every path a test needs. The last line on stdout is
#   kubernetes: v1.34.4 at https://127.0.0.1:6443, KUBECONFIG=/tmp/slipway-k8s/pki/admin.kubeconfig
# Settings: SLIPWAY_K8S_HOME, SLIPWAY_K8S_VERSION (as build-cluster.sh), SLIPWAY_K8S_TIMEOUT (seconds per wait,
# default 120). Facts behind the choices and the pitfalls avoided: shared reference kubernetes-cluster/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

VERSION=${SLIPWAY_K8S_VERSION:-v1.34.4}
BIN=${SLIPWAY_K8S_HOME:-/opt/slipway-k8s}/$VERSION/bin
TIMEOUT=${SLIPWAY_K8S_TIMEOUT:-120}
STATE=/tmp/slipway-k8s
LOCK=/tmp/slipway-k8s.lock
PKI=$STATE/pki
ADMIN=$PKI/admin.kubeconfig
LIMITED=$PKI/limited.kubeconfig
CLUSTER_JSON=$STATE/cluster.json
SOCK=$STATE/containerd/containerd.sock
API=https://127.0.0.1:6443
NETNS=slipway-k8s
HOST_IF=slk8s-host
NS_IF=slk8s-node
HOST_IP=10.250.0.1
NS_IP=10.250.0.2
POD_CIDR=10.244.0.0/24
POD_GW=10.244.0.1
NODE=slipway-node
TEST_NS=slipway-test
LIMITED_SA=slipway-limited
IMAGE_BUSYBOX=localhost/busybox:1
IMAGE_PYTHON=localhost/slipway-python:1
# The limited token: asked for 48 h, renewed by a start that finds less than 24 h left, so a test run never sees it
# expire.
TOKEN_HOURS=48
TOKEN_MIN_LEFT_S=$((24 * 3600))
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd coredns kubelet)

say() { echo "kubernetes/start-cluster: $*" >&2; }
die() {
  say "$*"
  exit 1
}

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
T0=$(now_ms)
secs() { printf '%d.%d s' $(($1 / 1000)) $(($1 % 1000 / 100)); }
TIMINGS=()
phase_start=$T0
phase_done() {
  local t
  t=$(now_ms)
  TIMINGS+=("$1 $(secs $((t - phase_start)))")
  phase_start=$t
}

[ "$(id -u)" = 0 ] || die "must run as root (containerd, runc, the network namespace and mounts need it)"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "SLIPWAY_K8S_TIMEOUT=$TIMEOUT is not a positive integer"

kubectl() { "$BIN/kubectl" --kubeconfig "$ADMIN" --request-timeout=10s "$@"; }
# busybox-static is there anyway (the images' userland), curl may not be; its wget segfaults on -T, hence timeout.
limited_can() { "$BIN/kubectl" --kubeconfig "$LIMITED" --request-timeout=10s auth can-i "$@" 2>/dev/null; }
http_get() { timeout 5 busybox wget -q -Y off -O - "$1"; }

# Succeeds if the pid in $STATE/pids/$1.pid is alive (not a zombie) and runs $1 (comm is cut to 15 characters).
running() {
  local pid line comm state
  [ -s "$STATE/pids/$1.pid" ] || return 1
  read -r pid <"$STATE/pids/$1.pid" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  { read -r line <"/proc/$pid/stat"; } 2>/dev/null || return 1
  comm=${line#*(}
  comm=${comm%)*}
  state=${line##*) }
  state=${state%% *}
  [ "$comm" = "${1:0:15}" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Succeeds while the pid in $STATE/pids/$1.pid exists and is no zombie, whatever it runs (just after launch it may
# still be the sh, nsenter or unshare that execs the component).
exists() {
  local pid line state
  read -r pid <"$STATE/pids/$1.pid" 2>/dev/null || return 1
  { read -r line <"/proc/$pid/stat"; } 2>/dev/null || return 1
  state=${line##*) }
  state=${state%% *}
  [ "$state" != Z ] && [ "$state" != X ]
}

# "<Ready status> <heartbeat epoch> <taint keys...>" of the node, or nothing.
node_state() {
  local out ready beat taints
  out=$(kubectl get node "$NODE" -o \
    jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastHeartbeatTime} {.spec.taints[*].key}' \
    2>/dev/null) || return 0
  read -r ready beat taints <<<"$out"
  echo "$ready $(date -d "$beat" +%s 2>/dev/null || echo 0) ${taints:-}"
}

# Whether node status lists both test images (the kubelet reports what containerd holds).
node_has_images() {
  local names
  names=$(kubectl get node "$NODE" -o jsonpath='{.status.images[*].names[*]}' 2>/dev/null) || return 1
  [[ " $names " == *" $IMAGE_BUSYBOX "* && " $names " == *" $IMAGE_PYTHON "* ]]
}

# Everything up and current: the fast path's test (a few kubectl calls, no writes).
cluster_ready() {
  local c state expires
  for c in "${COMPONENTS[@]}"; do running "$c" || return 1; done
  [ -s "$CLUSTER_JSON" ] && [ -s "$LIMITED" ] || return 1
  grep -qF "\"version\": \"$VERSION\"," "$CLUSTER_JSON" || return 1
  expires=$(sed -n 's/.*"limitedTokenExpires": "\([^"]*\)".*/\1/p' "$CLUSTER_JSON")
  [ -n "$expires" ] && [ $(($(date -d "$expires" +%s) - $(date +%s))) -gt "$TOKEN_MIN_LEFT_S" ] || return 1
  [ "$(http_get http://127.0.0.1:10248/healthz 2>/dev/null)" = ok ] || return 1
  [ "$(kubectl get --raw /readyz 2>/dev/null)" = ok ] || return 1
  state=$(node_state)
  [ "${state%% *}" = True ] && [ "$(wc -w <<<"$state")" = 2 ] || return 1
  node_has_images && bash "$ROOT/scripts/kubernetes/build-test-images.sh" --check || return 1
  # The token also dies with its ServiceAccount (deleted and made again) or a new signing key.
  [ "$(limited_can list jobs.batch -n "$TEST_NS")" = yes ]
}

joined() {
  local out='' item
  for item in "$@"; do out+="${out:+, }$item"; done
  echo "$out"
}

print_summary() {
  local phases expires
  phases=$(joined ${TIMINGS[@]+"${TIMINGS[@]}"})
  expires=$(sed -n 's/.*"limitedTokenExpires": "\([^"]*\)".*/\1/p' "$CLUSTER_JSON")
  cat >&2 <<EOF
kubernetes/start-cluster: up; took $(secs $(($(now_ms) - T0)))${phases:+ ($phases)}
  node:     $NODE ($HOST_IP), containerd $(containerd --version | awk '{print $3}') in netns $NETNS, pods $POD_CIDR
  limited:  $LIMITED (ServiceAccount $LIMITED_SA in $TEST_NS, no "create secrets"; token until $expires)
  images:   $IMAGE_BUSYBOX, $IMAGE_PYTHON (imagePullPolicy Never or IfNotPresent)
  details:  $CLUSTER_JSON; kubectl: $BIN/kubectl; logs in $STATE/logs; stop: bash scripts/kubernetes/stop-cluster.sh
EOF
  echo "kubernetes: $VERSION at $API, KUBECONFIG=$ADMIN"
}

# --- fast path -----------------------------------------------------------------------------------------------------
if [ -x "$BIN/kubectl" ] && cluster_ready; then
  print_summary
  exit 0
fi

exec 9>"$LOCK"
flock -w 1200 9 || die "timed out waiting for the lock $LOCK (another start-cluster.sh still running?)"
if [ -x "$BIN/kubectl" ] && cluster_ready; then
  print_summary
  exit 0
fi
phase_done "check"

# A cluster of another version keeps its state here: the new binaries would run against it half-started.
if [ -s "$STATE/version" ] && [ "$(cat "$STATE/version")" != "$VERSION" ]; then
  die "$STATE holds a $(cat "$STATE/version") cluster, not $VERSION; run bash scripts/kubernetes/stop-cluster.sh --purge first"
fi

# --- binaries and packages (0 s when built) -------------------------------------------------------------------------
bash "$ROOT/scripts/kubernetes/build-cluster.sh" || die "scripts/kubernetes/build-cluster.sh failed"
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl coredns; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing after build-cluster.sh"
done
for cmd in containerd containerd-shim-runc-v2 runc ctr busybox openssl ip nsenter unshare setsid flock mountpoint ss \
  timeout; do
  command -v "$cmd" >/dev/null || die "$cmd not found (build-cluster.sh installs containerd, runc, busybox-static, iproute2, openssl)"
done
CNI_BIN=/usr/lib/cni
for plugin in bridge host-local loopback; do
  [ -x "$CNI_BIN/$plugin" ] || die "no CNI plugin $CNI_BIN/$plugin (Debian package containernetworking-plugins)"
done
phase_done "build"

mkdir -p "$STATE"/{pki,logs,pids,etcd,cni/net.d,cni/ipam,containerd,kubelet,pod-logs,runc,sysctl}
chmod 700 "$STATE/pki" "$STATE/etcd"
echo "$VERSION" >"$STATE/version"

# --- launching and waiting -----------------------------------------------------------------------------------------
# launch NAME CMD...: runs CMD detached (setsid: own session, stdin /dev/null, no descriptor of ours such as the lock
# or a CI runner's pipes, cwd /), output appended to logs/NAME.log, with a clean environment (a proxy variable of
# the caller's would send the apiserver's calls to the kubelet elsewhere). The pid file is written by the process
# itself just before it execs CMD, so it is right whether or not setsid had to fork.
launch() {
  local name=$1 i
  shift
  rm -f "$STATE/pids/$name.pid"
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    cd /
    # shellcheck disable=SC2016 # $$, $0 and $@ are the inner sh's
    exec setsid -f env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$STATE/pids/$name.pid" "$@" \
      </dev/null >>"$STATE/logs/$name.log" 2>&1
  )
  for ((i = 0; i < 200; i++)); do
    [ -s "$STATE/pids/$name.pid" ] && break
    sleep 0.01
  done
  LAUNCHED+=("$name")
}
LAUNCHED=()

fail() {
  local c
  say "$*"
  for c in ${LAUNCHED[@]+"${LAUNCHED[@]}"}; do
    [ -s "$STATE/logs/$c.log" ] || continue
    echo "--- end of $STATE/logs/$c.log:" >&2
    tail -n 12 "$STATE/logs/$c.log" >&2
  done
  exit 1
}

# wait_for DESC COMPONENT CMD...: until CMD succeeds (every 0.1 s, $TIMEOUT s at most); fails at once, with its log,
# when COMPONENT dies meanwhile.
wait_for() {
  local desc=$1 component=$2 deadline=$((SECONDS + TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ -z "$component" ] || exists "$component" || fail "$component exited while waiting for $desc"
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${TIMEOUT}s waiting for $desc"
    sleep 0.1
  done
}

# Refuses to start NAME when something else listens on ADDR:PORT (a leftover from an old state dir, another cluster).
port_free() {
  local name=$1 addr=$2 port=$3 taken
  taken=$(ss -Hltnup "( sport = :$port )" 2>/dev/null |
    awk -v want="^(${addr//./\\.}|0\\.0\\.0\\.0|\\*|\\[::\\]):$port\$" '$5 ~ want')
  [ -z "$taken" ] || die "cannot start $name: $addr:$port is taken: $taken"
}

# --- PKI (once per state dir) ---------------------------------------------------------------------------------------
# An EC CA; leaf certificates for the apiserver, its kubelet client, admin, kcm, scheduler and the kubelet; an RSA key
# for ServiceAccount tokens. Kubeconfigs embed their certificates so they stand alone.
if [ ! -s "$ADMIN" ]; then
  (
    cd "$PKI"
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
      -days 3650 -subj "/CN=slipway-k8s-ca" 2>/dev/null
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
    openssl pkey -in sa.key -pubout -out sa.pub
    # leaf NAME SUBJECT [SUBJECT_ALT_NAMES]
    leaf() {
      local ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth"
      [ -z "${3:-}" ] || ext+=$'\n'"subjectAltName=$3"
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" \
        -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out "$1.crt" \
        -extfile <(echo "$ext") 2>/dev/null
      rm -f "$1.csr"
    }
    leaf apiserver /CN=kube-apiserver "IP:127.0.0.1,IP:10.96.0.1,IP:$HOST_IP,DNS:localhost,DNS:kubernetes,\
DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    leaf apiserver-kubelet-client /O=system:masters/CN=kube-apiserver-kubelet-client
    leaf admin /O=system:masters/CN=slipway-admin
    leaf kcm /CN=system:kube-controller-manager
    leaf scheduler /CN=system:kube-scheduler
    leaf kubelet "/O=system:nodes/CN=system:node:$NODE" "IP:$HOST_IP,IP:127.0.0.1,DNS:$NODE"
    for user in kcm scheduler kubelet admin; do
      cat >"$user.kubeconfig.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: slipway-k8s
    cluster:
      server: $API
      certificate-authority-data: $(base64 -w0 ca.crt)
users:
  - name: $user
    user:
      client-certificate-data: $(base64 -w0 "$user.crt")
      client-key-data: $(base64 -w0 "$user.key")
contexts:
  - name: $user@slipway-k8s
    context: {cluster: slipway-k8s, user: $user}
current-context: $user@slipway-k8s
EOF
      # admin last: its presence marks the PKI as complete.
      mv "$user.kubeconfig.tmp" "$user.kubeconfig"
    done
  )
  phase_done "pki"
fi

# --- etcd, apiserver, controller manager, scheduler -----------------------------------------------------------------
if ! running etcd; then
  port_free etcd 127.0.0.1 23790
  port_free etcd 127.0.0.1 23800
  launch etcd "$BIN/etcd" --name slipway --data-dir "$STATE/etcd" \
    --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790 \
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
    --initial-cluster slipway=http://127.0.0.1:23800 --unsafe-no-fsync --log-level warn
fi
wait_for "etcd /health" etcd http_get http://127.0.0.1:23790/health

if ! running kube-apiserver; then
  port_free kube-apiserver 127.0.0.1 6443
  # --endpoint-reconciler-type=none: a loopback address cannot be an Endpoints address, and nothing routes the
  # `kubernetes` Service anyway (no kube-proxy).
  launch kube-apiserver "$BIN/kube-apiserver" --etcd-servers=http://127.0.0.1:23790 \
    --bind-address=127.0.0.1 --secure-port=6443 --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --service-cluster-ip-range=10.96.0.0/16 \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" --kubelet-certificate-authority="$PKI/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --allow-privileged=true --profiling=false --v=1
fi
wait_for "the API (GET /readyz)" kube-apiserver kubectl get --raw /readyz
phase_done "control plane"

if ! running kube-controller-manager; then
  port_free kube-controller-manager 127.0.0.1 10257
  launch kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$PKI/kcm.kubeconfig" \
    --authentication-kubeconfig="$PKI/kcm.kubeconfig" --authorization-kubeconfig="$PKI/kcm.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --use-service-account-credentials=true --controllers='*' \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" --profiling=false --v=1
fi
if ! running kube-scheduler; then
  port_free kube-scheduler 127.0.0.1 10259
  launch kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$PKI/scheduler.kubeconfig" \
    --authentication-kubeconfig="$PKI/scheduler.kubeconfig" --authorization-kubeconfig="$PKI/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --profiling=false --v=1
fi

# --- the node's network namespace -----------------------------------------------------------------------------------
# containerd and every pod live in a netns of their own: a dockerd on this machine sets the FORWARD policy to DROP with
# br_netfilter on, which would drop pod-to-pod traffic on a bridge in the root netns. Each step is idempotent.
for net in $POD_CIDR 10.250.0.0/30; do
  clash=$(ip -4 route show to match "${net%/*}" | grep -v "dev $HOST_IF" | grep -v '^default' || true)
  [ -z "$clash" ] || die "the root netns already routes $net ($clash); the cluster needs that range for itself"
done
[ -e "/run/netns/$NETNS" ] || ip netns add "$NETNS"
if ! ip link show "$HOST_IF" >/dev/null 2>&1; then
  ip link add "$HOST_IF" type veth peer name "$NS_IF" netns "$NETNS"
fi
ip addr replace "$HOST_IP/30" dev "$HOST_IF"
ip link set "$HOST_IF" up
ip -n "$NETNS" link set lo up
ip -n "$NETNS" addr replace "$NS_IP/30" dev "$NS_IF"
ip -n "$NETNS" link set "$NS_IF" up
ip -n "$NETNS" route replace default via "$HOST_IP"
ip route replace "$POD_CIDR" via "$NS_IP" dev "$HOST_IF"
# /proc/sys/net shows the netns of whoever reads it. nsenter, never `ip netns exec`: that one remounts /sys, which
# hides /sys/fs/cgroup from runc.
nsenter --net="/run/netns/$NETNS" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'

# --- containerd (in the netns; its own socket, root, state and runc root) -------------------------------------------
cat >"$STATE/cni/net.d/10-slipway.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "slipway", "plugins": [
  {"type": "bridge", "bridge": "slk8s0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$STATE/cni/ipam", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GW"}]],
            "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "loopback"}]}
EOF
C=$STATE/containerd
cat >"$C/config.toml" <<EOF
# Generated by slipway scripts/kubernetes/start-cluster.sh (rewritten at every start).
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$C/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$C/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:1"
  # The kubelet (root netns) reaches exec/attach/port-forward streams over the veth.
  stream_server_address = "$NS_IP"
  stream_server_port = "0"
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  # Without CAP_SYS_RESOURCE (some VMs' root), runc cannot give sandboxes oom_score_adj -998 and every sandbox fails
  # with "can't get final child's PID from pipe: EOF"; this clamps the score to containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
        Root = "$STATE/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$STATE/cni/net.d"
EOF
if ! running containerd; then
  launch containerd nsenter --net="/run/netns/$NETNS" "$(command -v containerd)" --config "$C/config.toml"
fi
wait_for "containerd" containerd ctr -a "$SOCK" version
phase_done "containerd"

# --- images: pause and busybox from build-cluster.sh, the Python image built here when missing ---------------------
bash "$ROOT/scripts/kubernetes/build-test-images.sh" >&2 || fail "scripts/kubernetes/build-test-images.sh failed"
phase_done "images"

# --- CoreDNS (root netns, on the veth's host end) --------------------------------------------------------------------
# Names outside the cluster get NXDOMAIN, not SERVFAIL, so resolvers go on through the search list (busybox nslookup
# stops at the first SERVFAIL). No upstream: pods have no way out anyway.
cat >"$STATE/Corefile" <<EOF
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $HOST_IP
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $ADMIN
        pods insecure
        ttl 5
    }
    cache 5
}
.:53 {
    bind $HOST_IP
    template ANY ANY {
        rcode NXDOMAIN
    }
}
EOF
if ! running coredns; then
  port_free coredns "$HOST_IP" 53
  launch coredns "$BIN/coredns" -conf "$STATE/Corefile"
fi

# --- kubelet ---------------------------------------------------------------------------------------------------------
: >"$STATE/resolv.conf" # pods get the cluster DNS and nothing of the host's
cat >"$STATE/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $HOST_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$PKI/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$PKI/kubelet.crt"
tlsPrivateKeyFile: "$PKI/kubelet.key"
cgroupDriver: cgroupfs
failSwapOn: false
# v1.35+ refuse cgroup v1 unless told; v1.34 accepts it either way.
failCgroupV1: false
containerRuntimeEndpoint: "unix://$SOCK"
clusterDNS: ["$HOST_IP"]
clusterDomain: cluster.local
resolvConf: "$STATE/resolv.conf"
podLogsDir: "$STATE/pod-logs"
# Imported images can never be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# The disk is shared with everything else on the machine.
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
maxPods: 110
EOF
if ! running kubelet; then
  port_free kubelet 127.0.0.1 10248
  port_free kubelet "$HOST_IP" 10250
  # The kubelet mounts pod volumes (secrets, projected tokens) below its root dir in its own mount namespace (below);
  # a shared bind mount carries them to the root mount namespace, where containerd and runc look for them.
  if ! mountpoint -q "$STATE/kubelet"; then
    mount --bind "$STATE/kubelet" "$STATE/kubelet"
    mount --make-shared "$STATE/kubelet"
  fi
  # The kubelet writes the kernel tunables it wants (vm.overcommit_memory=1, kernel.panic=10, ...) into the host's
  # /proc/sys and adds KUBE-* iptables rules when it finds iptables. In its private mount namespace, files that hold
  # those values are bind-mounted over the /proc/sys entries, and PATH has no sbin directory (no iptables).
  tunables=(vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1
    kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000)
  {
    echo '#!/bin/sh'
    echo '# Generated by slipway scripts/kubernetes/start-cluster.sh: runs the kubelet with the host sysctls shadowed.'
    echo 'set -e'
    echo 'mount --make-rprivate /proc'
    for t in "${tunables[@]}"; do
      key=${t%=*}
      file=$STATE/sysctl/${key//\//.}
      echo "${t#*=}" >"$file"
      [ -e "/proc/sys/$key" ] && echo "mount --bind $file /proc/sys/$key"
    done
    echo 'export PATH=/usr/local/bin:/usr/bin:/bin'
    echo 'exec "$@"'
  } >"$STATE/kubelet-wrapper.sh"
  chmod 755 "$STATE/kubelet-wrapper.sh"
  kubelet_started=$(date +%s)
  launch kubelet unshare -m --propagation unchanged "$STATE/kubelet-wrapper.sh" "$BIN/kubelet" \
    --config="$STATE/kubelet-config.yaml" --kubeconfig="$PKI/kubelet.kubeconfig" --root-dir="$STATE/kubelet" \
    --node-ip="$HOST_IP" --hostname-override="$NODE" --v=1
else
  kubelet_started=0
fi

# The node takes pods once the kubelet is healthy, the Node says Ready in a heartbeat of this kubelet (after a warm
# restart the old Ready=True is still stored) and the controller manager has lifted the not-ready taints.
node_takes_pods() {
  local ready beat taints
  read -r ready beat taints <<<"$(node_state)"
  [ "$ready" = True ] && [ "${beat:-0}" -ge "$kubelet_started" ] && [ -z "${taints:-}" ]
}
kubelet_healthy() { [ "$(http_get http://127.0.0.1:10248/healthz)" = ok ]; }
wait_for "the kubelet's /healthz" kubelet kubelet_healthy
wait_for "node $NODE Ready and without taints" kubelet node_takes_pods
wait_for "node status to list $IMAGE_BUSYBOX and $IMAGE_PYTHON" kubelet node_has_images
wait_for "CoreDNS on $HOST_IP:53" coredns sh -c "ss -Hlun 'sport = :53' | grep -qF '$HOST_IP:53'"
phase_done "node"

# --- what the tests need: a namespace, a limited ServiceAccount and its kubeconfig ----------------------------------
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $TEST_NS}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: $LIMITED_SA, namespace: $TEST_NS}
---
# What the Kubernetes executor uses, except "create secrets": submitting with it must fail in a way users understand.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: $LIMITED_SA, namespace: $TEST_NS}
rules:
  - apiGroups: [batch]
    resources: [jobs]
    verbs: [create, get, list, watch, delete, patch]
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get, delete, patch]
  - apiGroups: [""]
    resources: [services, configmaps]
    verbs: [create, get, delete]
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list, watch]
  - apiGroups: [""]
    resources: [pods/log]
    verbs: [get]
  - apiGroups: [""]
    resources: [events]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: $LIMITED_SA, namespace: $TEST_NS}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: $LIMITED_SA}
subjects:
  - {kind: ServiceAccount, name: $LIMITED_SA, namespace: $TEST_NS}
EOF
# Pods can only be created once the namespace's default ServiceAccount exists.
wait_for "ServiceAccount default in $TEST_NS" kube-controller-manager kubectl -n "$TEST_NS" get serviceaccount default
wait_for "ServiceAccount default in default" kube-controller-manager kubectl -n default get serviceaccount default

# Seconds since the epoch at which the token in $1 (a JWT) expires, or 0.
token_expiry() {
  local payload
  payload=$(cut -d. -f2 <<<"$1" | tr '_-' '/+')
  while [ $((${#payload} % 4)) != 0 ]; do payload+='='; done
  base64 -d <<<"$payload" 2>/dev/null | sed -n 's/.*"exp":\([0-9]*\).*/\1/p' | grep . || echo 0
}
token=$(sed -n 's/^ *token: //p' "$LIMITED" 2>/dev/null || true)
expiry=$(token_expiry "${token:-x.x.x}")
# A new token when under 24 h are left, or when the API refuses this one (see cluster_ready).
if [ $((expiry - $(date +%s))) -le "$TOKEN_MIN_LEFT_S" ] || [ "$(limited_can list jobs.batch -n "$TEST_NS")" != yes ]; then
  token=$(kubectl -n "$TEST_NS" create token "$LIMITED_SA" --duration="${TOKEN_HOURS}h") ||
    fail "kubectl create token $LIMITED_SA failed"
  expiry=$(token_expiry "$token")
  (
    umask 077
    cat >"$LIMITED.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: slipway-k8s
    cluster:
      server: $API
      certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
  - name: $LIMITED_SA
    user:
      token: $token
contexts:
  - name: $LIMITED_SA@slipway-k8s
    context: {cluster: slipway-k8s, user: $LIMITED_SA, namespace: $TEST_NS}
current-context: $LIMITED_SA@slipway-k8s
EOF
    mv "$LIMITED.tmp" "$LIMITED"
  )
fi
[ "$(limited_can list jobs.batch -n "$TEST_NS")" = yes ] || fail "the limited kubeconfig $LIMITED cannot list jobs"
[ "$(limited_can create secrets -n "$TEST_NS")" = no ] || fail "the limited kubeconfig $LIMITED may create secrets"
phase_done "test objects"

# Written whole, then renamed: tests may read it at any moment. stop-cluster.sh removes it.
cat >"$CLUSTER_JSON.tmp" <<EOF
{
  "version": "$VERSION",
  "server": "$API",
  "kubeconfig": "$ADMIN",
  "limitedKubeconfig": "$LIMITED",
  "limitedTokenExpires": "$(date -u -d "@$expiry" +%Y-%m-%dT%H:%M:%SZ)",
  "namespace": "$TEST_NS",
  "serviceAccount": "$LIMITED_SA",
  "node": "$NODE",
  "kubectl": "$BIN/kubectl",
  "images": {"busybox": "$IMAGE_BUSYBOX", "python": "$IMAGE_PYTHON"}
}
EOF
mv "$CLUSTER_JSON.tmp" "$CLUSTER_JSON"
print_summary
