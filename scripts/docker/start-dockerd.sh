#!/usr/bin/env bash
# Starts a Docker daemon for the Docker executor's integration tests (CI and local), idempotently:
#   - if /var/run/docker.sock already answers GET /_ping, exits 0 at once;
#   - else installs what is missing (docker.io, busybox-static, curl; Debian/apt, run as root), starts dockerd
#     detached (no systemd here; docker.io does not start itself) and waits until it answers.
# Concurrent callers serialise on a lock. Prints "dockerd: <version> (API <version>) ..." at the end.
# Stop it again with scripts/docker/stop-dockerd.sh. Facts behind the choices: shared reference docker.md.
set -euo pipefail
source "$(dirname "$0")/../lib/apt.sh"
# shellcheck source=../lib/pids.sh
source "$(dirname "$0")/../lib/pids.sh"

SOCK=/var/run/docker.sock
PIDFILE=/var/run/slipway-dockerd.pid
LOG=/var/log/slipway-dockerd.log
LOCK=/var/lock/slipway-dockerd.lock
# dockerd's own containerd: its pid file is what a restart trips over after dockerd died.
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid
START_TIMEOUT=${SLIPWAY_DOCKERD_TIMEOUT:-30}

say() { echo "start-dockerd: $*" >&2; }

ping_ok() {
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -s --max-time 3 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null)" = OK ]
  elif [ -x /usr/bin/docker ] || command -v docker >/dev/null 2>&1; then
    "$(docker_client)" -H "unix://$SOCK" version >/dev/null 2>&1
  else
    return 1
  fi
}

# Debian's client matches the daemon's API; /usr/local/bin/docker (if any) is a newer client that negotiates down.
docker_client() {
  if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker; fi
}

print_version() {
  local v
  v=$("$(docker_client)" -H "unix://$SOCK" version \
    --format 'dockerd: {{.Server.Version}} (API {{.Server.APIVersion}}, min {{.Server.MinAPIVersion}}), socket '"$SOCK" \
    2>/dev/null) || v="dockerd: running (version unavailable), socket $SOCK"
  echo "$v"
}

# Fast path: no lock, no apt, no root needed.
if ping_ok; then
  print_version
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  say "no daemon answers on $SOCK and starting one needs root (run: sudo bash $0)"
  exit 1
fi

mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
if ! flock -w 180 9; then
  say "timed out waiting for the lock $LOCK (another start-dockerd.sh still running?)"
  exit 1
fi

# Another caller may have started it while we waited for the lock.
if ping_ok; then
  print_version
  exit 0
fi

# --- install what is missing -------------------------------------------------------------------------------------
pkg_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

missing=()
command -v dockerd >/dev/null 2>&1 && [ -x /usr/bin/docker ] || missing+=(docker.io)
pkg_installed busybox-static || missing+=(busybox-static)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_log=$(mktemp)
  trap 'rm -f "$apt_log"' EXIT
  # Quiet unless it fails (postinst chatter such as "policy-rc.d denied execution of start" is expected).
  apt_install() {
    apt_get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" >"$apt_log" 2>&1
  }
  # Update the package lists only when they lack a package or are too stale to download from.
  need_update=0
  for p in "${missing[@]}"; do
    if ! apt-cache show "$p" >/dev/null 2>&1; then need_update=1; fi
  done
  if [ "$need_update" = 1 ] || ! apt_install; then
    say "apt-get update"
    apt_get update -qq >"$apt_log" 2>&1 || { cat "$apt_log" >&2; exit 1; }
    apt_install || { cat "$apt_log" >&2; say "installing ${missing[*]} failed"; exit 1; }
  fi
fi

# --- clear what a dead daemon left behind ------------------------------------------------------------------------
# State of a pid: "alive", "zombie" or "gone".
comm_of() { cat "/proc/$1/comm" 2>/dev/null || true; }

if [ -s "$PIDFILE" ]; then
  pid=$(cat "$PIDFILE")
  if [ "$(pid_state "$pid")" = alive ] && [ "$(comm_of "$pid")" = dockerd ]; then
    # Ours but not answering (hung, or killed half-way): give it a moment, else replace it.
    say "dockerd $pid from $PIDFILE does not answer on $SOCK; waiting 5 s before replacing it"
    for _ in $(seq 50); do
      if ping_ok; then print_version; exit 0; fi
      sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
    wait_dead "$pid" 150 || { kill -KILL "$pid" 2>/dev/null || true; wait_dead "$pid" 50 || true; }
  else
    say "removing stale pid file $PIDFILE (pid $pid is not a running dockerd)"
  fi
  rm -f "$PIDFILE"
fi

# Another dockerd not started by us (e.g. a system service on another socket setup) would fight over /var/lib/docker.
for p in $(pgrep -x dockerd || true); do
  if [ "$(pid_state "$p")" = alive ]; then
    say "a dockerd (pid $p) runs but does not answer on $SOCK; not starting a second one on the same data root"
    say "stop it (kill $p) or fix its socket, then run this script again"
    exit 1
  fi
done

# dockerd reuses the containerd named in this pid file if that pid "exists" - a zombie does too, and the restart
# then fails after 15 s. A leftover containerd without its dockerd is stopped; the file is removed either way.
if [ -s "$CONTAINERD_PIDFILE" ]; then
  cpid=$(cat "$CONTAINERD_PIDFILE")
  if [ "$(pid_state "$cpid")" = alive ] && [ "$(comm_of "$cpid")" = containerd ]; then
    say "stopping leftover containerd $cpid"
    kill -TERM "$cpid" 2>/dev/null || true
    wait_dead "$cpid" 100 || { kill -KILL "$cpid" 2>/dev/null || true; wait_dead "$cpid" 50 || true; }
  fi
  rm -f "$CONTAINERD_PIDFILE"
fi
# A stale socket file makes dockerd fail to listen.
[ -S "$SOCK" ] && rm -f "$SOCK"

# --- start -------------------------------------------------------------------------------------------------------
say "starting dockerd (log: $LOG)"
mkdir -p "$(dirname "$LOG")"
echo "=== $(date -u +%FT%TZ) start-dockerd.sh starting dockerd" >>"$LOG"
log_start=$(($(stat -c %s "$LOG")))
(
  # The daemon must not keep the lock (the next caller would hang) nor any pipe of whoever ran us (a CI runner
  # waiting for its output to close would hang): close every descriptor above 2, then detach.
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  cd /
  exec setsid dockerd --host "unix://$SOCK" --pidfile "$PIDFILE" </dev/null >>"$LOG" 2>&1
) &
daemon=$!

deadline=$((SECONDS + START_TIMEOUT))
until ping_ok; do
  # (setsid forks when it happens to lead a process group: then the pid file names the daemon.)
  if [ "$(pid_state "$daemon")" != alive ] &&
    { [ ! -s "$PIDFILE" ] || [ "$(pid_state "$(cat "$PIDFILE")")" != alive ]; }; then
    say "dockerd exited before answering; end of $LOG:"
    tail -c +"$((log_start + 1))" "$LOG" | tail -n 30 >&2
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "dockerd (pid $daemon) did not answer GET /_ping on $SOCK within ${START_TIMEOUT}s; end of $LOG:"
    tail -c +"$((log_start + 1))" "$LOG" | tail -n 30 >&2
    exit 1
  fi
  sleep 0.1
done
print_version
