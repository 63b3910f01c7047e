#!/usr/bin/env bash
# A private, throwaway Docker daemon for fault tests that stop or restart "the engine" while jobs run, so that the
# shared daemon of scripts/docker/start-dockerd.sh (which concurrent tests use) is never disturbed.
#
#   private-dockerd.sh start N [dockerd flags…]  starts daemon N, loads the busybox test image into it from the
#                                                 shared daemon, prints its socket (unix:///run/slipway-fault-dockerd-N.sock)
#   private-dockerd.sh restart N                  SIGTERM, wait until dockerd and its containerd are gone, start it
#                                                 again with the flags of `start`, wait for GET /_ping
#   private-dockerd.sh remove N                   removes its containers, stops it, kills what is left of it (shims),
#                                                 removes its directories, socket and pid file; safe to run twice
#
# Daemon N has its own data root, exec root (with its own managed containerd), pid file and socket, no bridge and no
# iptables, and runs in its own network namespace (`unshare --net`): a second daemon with --bridge=none in the host's
# namespace would delete the shared daemon's docker0 (shared reference docker.md). Root only. Every wait is bounded.
set -euo pipefail
# shellcheck source=../lib/pids.sh
source "$(dirname "$0")/../lib/pids.sh"

say() { echo "private-dockerd: $*" >&2; }

[ "$#" -ge 2 ] || { say "usage: $0 start|restart|remove N [dockerd flags…]"; exit 2; }
cmd=$1
n=$2
shift 2
case "$n" in '' | *[!0-9a-z-]*) say "N must be letters, digits or -, got '$n'"; exit 2 ;; esac

NAME=slipway-fault-dockerd-$n
SOCK=/run/$NAME.sock
PIDFILE=/run/$NAME.pid
EXEC_ROOT=/run/$NAME
STATE=/var/lib/$NAME
DATA_ROOT=$STATE/data
FLAGS_FILE=$STATE/flags
LOG=$STATE/dockerd.log
CONTAINERD_PIDFILE=$EXEC_ROOT/containerd/containerd.pid
SHARED_SOCK=${SLIPWAY_SHARED_DOCKER_SOCK:-/var/run/docker.sock}
IMAGE=${SLIPWAY_PRIVATE_DOCKERD_IMAGE:-slipway-test/busybox:latest}
TIMEOUT=${SLIPWAY_DOCKERD_TIMEOUT:-30}

# Debian's client matches the daemon's API (shared reference docker.md).
client() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else docker "$@"; fi; }

ping_ok() { [ "$(curl -s --max-time 3 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null)" = OK ]; }

pid_of() { [ -s "$1" ] && cat "$1" || true; }

start_daemon() {
  [ "$(id -u)" -eq 0 ] || { say "starting a Docker daemon needs root"; exit 1; }
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
  # A dead daemon's containerd (even a zombie) named in this file would be "reused" and the start fail after 15 s.
  local cpid
  cpid=$(pid_of "$CONTAINERD_PIDFILE")
  if [ -n "$cpid" ]; then
    if [ "$(pid_state "$cpid")" = alive ] && [ "$(cat "/proc/$cpid/comm" 2>/dev/null)" = containerd ]; then
      kill -TERM "$cpid" 2>/dev/null || true
      wait_dead "$cpid" 100 || { kill -KILL "$cpid" 2>/dev/null || true; wait_dead "$cpid" 50 || true; }
    fi
    rm -f "$CONTAINERD_PIDFILE"
  fi
  rm -f "$SOCK"
  local flags=()
  mapfile -t flags <"$FLAGS_FILE"
  echo "=== $(date -u +%FT%TZ) private-dockerd.sh starting dockerd ${flags[*]}" >>"$LOG"
  (
    # Keep no descriptor of the caller (a test runner waiting for its pipes to close would hang).
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    cd /
    exec setsid unshare --net dockerd --host "unix://$SOCK" --pidfile "$PIDFILE" --data-root "$DATA_ROOT" \
      --exec-root "$EXEC_ROOT" --bridge=none --iptables=false --ip-masq=false "${flags[@]}" \
      </dev/null >>"$LOG" 2>&1
  ) &
  local launched=$! deadline=$((SECONDS + TIMEOUT))
  until ping_ok; do
    if [ "$(pid_state "$launched")" != alive ] && [ "$(pid_state "$(pid_of "$PIDFILE")")" != alive ]; then
      say "dockerd $n exited before answering; end of $LOG:"
      tail -n 30 "$LOG" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "dockerd $n did not answer GET /_ping on $SOCK within ${TIMEOUT}s; end of $LOG:"
      tail -n 30 "$LOG" >&2
      exit 1
    fi
    sleep 0.1
  done
}

# SIGTERM, SIGKILL after $TIMEOUT s; then waits for its containerd to be gone too.
stop_daemon() {
  local pid cpid
  pid=$(pid_of "$PIDFILE")
  cpid=$(pid_of "$CONTAINERD_PIDFILE")
  if [ -n "$pid" ] && [ "$(pid_state "$pid")" = alive ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
    kill -TERM "$pid"
    wait_dead "$pid" $((TIMEOUT * 10)) || {
      say "dockerd $n (pid $pid) still runs ${TIMEOUT}s after SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      wait_dead "$pid" 50 || true
    }
  fi
  if [ -n "$cpid" ] && [ "$(cat "/proc/$cpid/comm" 2>/dev/null)" = containerd ]; then
    wait_dead "$cpid" 100 || { kill -KILL "$cpid" 2>/dev/null || true; wait_dead "$cpid" 50 || true; }
  fi
  rm -f "$PIDFILE"
}

case "$cmd" in
  start)
    [ ! -e "$STATE" ] || { say "$STATE exists: daemon $n is in use (remove it first: $0 remove $n)"; exit 1; }
    mkdir -p "$STATE"
    printf '%s\n' "$@" | grep -v '^$' >"$FLAGS_FILE" || true
    start_daemon
    client -H "unix://$SHARED_SOCK" save "$IMAGE" | client -H "unix://$SOCK" load -q >/dev/null
    echo "unix://$SOCK"
    ;;
  restart)
    [ -e "$FLAGS_FILE" ] || { say "daemon $n was never started"; exit 1; }
    stop_daemon
    start_daemon
    ;;
  remove)
    if ping_ok; then
      ids=$(client -H "unix://$SOCK" ps -aq)
      # shellcheck disable=SC2086 # one id per word
      [ -z "$ids" ] || client -H "unix://$SOCK" rm -f $ids >/dev/null || true
    fi
    stop_daemon
    # Shims of containers that outlived their daemon (live restore) talk to this daemon's containerd address.
    for p in $(pgrep -f "containerd-shim.*-address $EXEC_ROOT/" || true); do kill -KILL "$p" 2>/dev/null || true; done
    # Mounts left by containers killed that way, innermost first.
    { grep -oE " ($STATE|$EXEC_ROOT)/[^ ]*" /proc/self/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
    rm -rf "$STATE" "$EXEC_ROOT" "$SOCK" "$PIDFILE"
    ;;
  *)
    say "unknown command $cmd (start, restart or remove)"
    exit 2
    ;;
esac
