#!/usr/bin/env bash
# Stops or starts the test cluster's login node, as an sshd restart that drops every session would: `stop` kills
# the listener (socat on 127.0.0.1:2222) and every `sshd -i` session behind it; `start` runs the listener again as
# scripts/slurm/start-cluster.sh does and waits until it answers with an SSH banner. For the fault tests
# (test/faults/exclusive/), which run after every other test because every SSH session to the cluster is cut.
#   bash scripts/slurm/login-sshd.sh stop|start
set -euo pipefail

STATE=/tmp/slipway-slurm
PIDFILE=$STATE/run/socat-login.pid
LOGIN_HOST=127.0.0.1
LOGIN_PORT=2222
TIMEOUT=${SLIPWAY_SLURM_TIMEOUT:-60}

say() { echo "login-sshd.sh: $*" >&2; }
die() {
  say "$*"
  exit 1
}

listener_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = socat ] && echo "$pid"
}

banner() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$LOGIN_HOST/$LOGIN_PORT && head -c 4 <&3" 2>/dev/null
}

[ -x "$STATE/bin/login-sshd" ] || die "no test cluster at $STATE (bash scripts/slurm/start-cluster.sh)"
case ${1:-} in
  stop)
    pid=$(listener_pid) || die "the login listener is not running"
    # Each session is a child of the listener (socat forks, then execs the login's `sshd -i`, which renames itself
    # once the user is in): the children, then the listener.
    sessions=$(pgrep -P "$pid" || true)
    # shellcheck disable=SC2086 # a list of pids
    [ -z "$sessions" ] || kill -TERM $sessions 2>/dev/null || true
    kill -TERM "$pid"
    for _ in $(seq $((TIMEOUT * 10))); do
      alive=
      for p in $pid $sessions; do [ -e "/proc/$p" ] && alive=1; done
      [ -z "$alive" ] && exit 0
      sleep 0.1
    done
    die "the login listener or its sessions still run $TIMEOUT s after SIGTERM"
    ;;
  start)
    if listener_pid >/dev/null; then die "the login listener runs already"; fi
    (
      cd /
      export SLIPWAY_SLURM_DAEMON=1
      exec setsid sh -c "echo \$\$ >'$PIDFILE' && exec socat \
TCP-LISTEN:$LOGIN_PORT,bind=$LOGIN_HOST,reuseaddr,fork,backlog=128 EXEC:$STATE/bin/login-sshd,nofork" \
        </dev/null >>"$STATE/log/socat-login.out" 2>&1 &
    )
    for _ in $(seq $((TIMEOUT * 10))); do
      [ "$(banner)" = SSH- ] && exit 0
      sleep 0.1
    done
    die "the login node does not answer on $LOGIN_HOST:$LOGIN_PORT within $TIMEOUT s"
    ;;
  *) die "usage: $0 stop|start" ;;
esac
