#!/usr/bin/env bash
# Stops the Kubernetes test cluster that scripts/kubernetes/start-cluster.sh started. It signals only what that script
# started:
#   - the pids in /tmp/slipway-k8s/pids, each checked against its program name in case the pid was reused: the kubelet
#     first (so that it restarts no container), etcd last, the rest together in between;
#   - the pods' processes, found in the kubelet's `kubepods` cgroups (this assumes no other kubelet runs here): SIGKILL
#     at once, right after the kubelet;
#   - the containerd-shim processes serving this cluster's containerd socket, together with containerd.
# Components and shims get SIGTERM, then SIGKILL if still running after 10 s. Then it unmounts everything below the
# state directory (pod volumes, network namespace pins, container root file systems, the kubelet's shared bind mount).
# Typical: 1.5 s with the cluster up (no component needs the SIGKILL), 0.1 s when already stopped.
# The state (PKI, etcd data, imported images, the namespace and ServiceAccount of the tests) stays for a warm restart.
# With --purge it also removes the kubepods cgroups, the veth pair (and with it the host route), the network namespace
# slipway-k8s and /tmp/slipway-k8s: the next start is a cold one. Binaries and image tarballs in /opt/slipway-k8s stay.
# Usage: stop-cluster.sh [--purge]
set -euo pipefail

STATE=/tmp/slipway-k8s
LOCK=/tmp/slipway-k8s.lock
NETNS=slipway-k8s
HOST_IF=slk8s-host
SOCK=$STATE/containerd/containerd.sock

say() { echo "kubernetes/stop-cluster: $*" >&2; }
die() {
  say "$*"
  exit 1
}
PURGE=
case "${1:-}" in
  --purge) PURGE=1 ;;
  '') ;;
  *) die "usage: stop-cluster.sh [--purge]" ;;
esac
[ $# -le 1 ] || die "usage: stop-cluster.sh [--purge]"
[ "$(id -u)" = 0 ] || die "must run as root"
start_ms=$((${EPOCHREALTIME/./} / 1000))

exec 9>"$LOCK"
flock -w 1200 9 || die "timed out waiting for the lock $LOCK (start-cluster.sh still running?)"

# "alive", "zombie" or "gone"; $2, if given, must be the program name (as /proc cuts it, to 15 characters).
pid_state() {
  local line comm s
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || {
    echo gone
    return
  }
  comm=${line#*(}
  comm=${comm%)*}
  s=${line##*) }
  s=${s%% *}
  if [ -n "${2:-}" ] && [ "$comm" != "${2:0:15}" ]; then
    echo gone
  elif [ "$s" = Z ] || [ "$s" = X ]; then
    echo zombie
  else
    echo alive
  fi
}

STOPPED=()
# stop SECONDS PID... : SIGTERM to all at once, SIGKILL to those still alive after SECONDS (a zombie counts as gone).
stop() {
  local grace=$1 pid i alive left=()
  shift
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    left=()
    for pid in "$@"; do [ "$(pid_state "$pid")" != alive ] || left+=("$pid"); done
    [ ${#left[@]} -gt 0 ] || return 0
    sleep 0.1
  done
  say "SIGKILL to ${left[*]} (still running ${grace} s after SIGTERM)"
  kill -KILL "${left[@]}" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    alive=
    for pid in "${left[@]}"; do [ "$(pid_state "$pid")" != alive ] || alive=1; done
    [ -n "$alive" ] || return 0
    sleep 0.1
  done
}

# PIDS: the pids of the named components that still run; each pid file is removed.
collect() {
  local name pid
  PIDS=()
  for name in "$@"; do
    [ -s "$STATE/pids/$name.pid" ] || continue
    read -r pid <"$STATE/pids/$name.pid" || pid=
    rm -f "$STATE/pids/$name.pid"
    [[ $pid =~ ^[0-9]+$ ]] || continue
    [ "$(pid_state "$pid" "$name")" = alive ] || continue
    STOPPED+=("${name}[$pid]")
    PIDS+=("$pid")
  done
}

collect kubelet
stop 10 ${PIDS[@]+"${PIDS[@]}"}

# The pods: every process in the kubelet's cgroups (cgroup v1 hierarchies, or v2's unified one), at once.
pod_pids=$(cat /sys/fs/cgroup/*/kubepods/cgroup.procs /sys/fs/cgroup/*/kubepods/*/cgroup.procs \
  /sys/fs/cgroup/*/kubepods/*/*/cgroup.procs /sys/fs/cgroup/*/kubepods/*/*/*/cgroup.procs \
  /sys/fs/cgroup/kubepods/cgroup.procs /sys/fs/cgroup/kubepods/*/cgroup.procs \
  /sys/fs/cgroup/kubepods/*/*/cgroup.procs /sys/fs/cgroup/kubepods/*/*/*/cgroup.procs 2>/dev/null | sort -un || true)
pod_count=0
if [ -n "$pod_pids" ]; then
  pod_count=$(wc -w <<<"$pod_pids")
  # shellcheck disable=SC2086 # one pid per word
  kill -KILL $pod_pids 2>/dev/null || true
fi
# The shims of this cluster's containerd: their command line names its socket ("-address <sock>").
shims=()
for dir in /proc/[0-9]*; do
  [ "$(cat "$dir/comm" 2>/dev/null)" = containerd-shim ] || continue
  tr '\0' '\n' <"$dir/cmdline" 2>/dev/null | grep -qxF "$SOCK" && shims+=("${dir#/proc/}")
done

collect coredns containerd kube-scheduler kube-controller-manager kube-apiserver
stop 10 ${PIDS[@]+"${PIDS[@]}"} ${shims[@]+"${shims[@]}"}
collect etcd
stop 10 ${PIDS[@]+"${PIDS[@]}"}
rm -f "$STATE/cluster.json"

# Mounts below the state dir, deepest first: pod volumes, netns pins, container root file systems, the shared bind.
unmounted=0
if [ -d "$STATE" ]; then
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "could not unmount $m"
    unmounted=$((unmounted + 1))
  done < <(awk -v s="$STATE" '$5 == s || index($5, s "/") == 1 {print $5}' /proc/self/mountinfo | sort -r)
fi

purged=
if [ -n "$PURGE" ]; then
  removed=()
  for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$c" ] || continue
    find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || say "could not remove every cgroup below $c"
    removed+=("the kubepods cgroups")
  done
  if ip link del "$HOST_IF" 2>/dev/null; then removed+=("the veth $HOST_IF"); fi
  if ip netns del "$NETNS" 2>/dev/null; then removed+=("the netns $NETNS"); fi
  if [ -d "$STATE" ]; then
    rm -rf "$STATE"
    removed+=("$STATE")
  fi
  purged=", removed $(printf '%s\n' ${removed[@]+"${removed[@]}"} | sort -u | paste -sd, - | sed 's/,/, /g')"
  [ ${#removed[@]} -gt 0 ] || purged=", nothing left to purge"
fi

say "stopped ${#STOPPED[@]} component(s)${STOPPED[*]:+ (${STOPPED[*]})}, ${#shims[@]} shim(s), $pod_count pod" \
  "process(es), unmounted $unmounted$purged in $(($((${EPOCHREALTIME/./} / 1000)) - start_ms)) ms"
