#!/usr/bin/env bash
# Stops the Docker daemon that scripts/docker/start-dockerd.sh started (local cleanup; CI does not use it).
# SIGTERM (dockerd stops its containers and its containerd), SIGKILL after 30 s; then waits for its containerd to be
# gone and removes stale pid files, so that the next start-dockerd.sh starts cleanly. Images and containers stay in
# /var/lib/docker.
set -euo pipefail
# shellcheck source=../lib/pids.sh
source "$(dirname "$0")/../lib/pids.sh"

SOCK=/var/run/docker.sock
PIDFILE=/var/run/slipway-dockerd.pid
LOCK=/var/lock/slipway-dockerd.lock
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid

say() { echo "stop-dockerd: $*" >&2; }

if [ ! -s "$PIDFILE" ]; then
  say "no $PIDFILE: no daemon started by start-dockerd.sh is running"
  exit 0
fi

# Not while a start is under way.
exec 9>"$LOCK"
flock -w 60 9 || { say "timed out waiting for the lock $LOCK"; exit 1; }

pid=$(cat "$PIDFILE")
if [ "$(pid_state "$pid")" != alive ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
  say "pid $pid from $PIDFILE is not a running dockerd; removing the stale pid file"
  rm -f "$PIDFILE"
else
  cpid=$(cat "$CONTAINERD_PIDFILE" 2>/dev/null || true)
  say "stopping dockerd $pid"
  kill -TERM "$pid"
  if ! wait_dead "$pid" 300; then
    say "dockerd $pid still runs after 30 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_dead "$pid" 50 || true
  fi
  # Its containerd goes with it; wait so that a start right after this does not find it lingering.
  if [ -n "$cpid" ] && [ "$(cat "/proc/$cpid/comm" 2>/dev/null)" = containerd ]; then
    if ! wait_dead "$cpid" 100; then
      say "containerd $cpid outlived dockerd; SIGTERM"
      kill -TERM "$cpid" 2>/dev/null || true
      wait_dead "$cpid" 50 || kill -KILL "$cpid" 2>/dev/null || true
    fi
  fi
  rm -f "$PIDFILE"
fi

# Whatever a killed daemon left: the containerd pid file (a zombie's pid there breaks the next start) and the socket.
[ "$(pid_state "$(cat "$CONTAINERD_PIDFILE" 2>/dev/null || echo 0)")" = alive ] || rm -f "$CONTAINERD_PIDFILE"
if [ -S "$SOCK" ] && ! curl -s --max-time 2 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; then
  rm -f "$SOCK"
fi
say "stopped"
