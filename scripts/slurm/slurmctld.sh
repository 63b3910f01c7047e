#!/usr/bin/env bash
# Stops or starts the test cluster's slurmctld alone, as an admin restarting the scheduler would: `stop` sends
# SIGTERM and waits until the process is gone (jobs keep running on the slurmd's; their state is in
# StateSaveLocation); `start` runs it again as scripts/slurm/start-cluster.sh does (its network namespace, hostname
# slurmctl) and waits until `scontrol ping` says it is UP and every node registered again. For the fault tests (test/faults/exclusive/), which run
# after every other test because the whole cluster loses its scheduler meanwhile.
#   bash scripts/slurm/slurmctld.sh stop|start
set -euo pipefail

STATE=/tmp/slipway-slurm
CONF=$STATE/etc/slurm.conf
PIDFILE=$STATE/run/slurmctld.pid
CTL_NS=/run/netns/slipway-slurm-ctl
TIMEOUT=${SLIPWAY_SLURM_TIMEOUT:-60}

say() { echo "slurmctld.sh: $*" >&2; }
die() {
  say "$*"
  exit 1
}

running_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmctld ] && echo "$pid"
}

[ -f "$CONF" ] || die "no test cluster at $STATE (bash scripts/slurm/start-cluster.sh)"
case ${1:-} in
  stop)
    pid=$(running_pid) || die "slurmctld is not running"
    kill -TERM "$pid"
    for _ in $(seq $((TIMEOUT * 10))); do
      [ -e "/proc/$pid" ] || exit 0
      sleep 0.1
    done
    die "slurmctld (pid $pid) still runs $TIMEOUT s after SIGTERM"
    ;;
  start)
    if running_pid >/dev/null; then die "slurmctld runs already"; fi
    (
      cd /
      export SLIPWAY_SLURM_DAEMON=1
      exec setsid nsenter --net="$CTL_NS" unshare --uts \
        sh -c "hostname slurmctl && exec slurmctld -f '$CONF'" </dev/null >>"$STATE/log/slurmctld.out" 2>&1
    )
    for _ in $(seq $((TIMEOUT * 10))); do
      # Up, and every node registered again (none still "unk"), so the next submit is not held back.
      if "$STATE/bin/in-cluster" scontrol ping 2>/dev/null | grep -q "is UP" &&
        ! "$STATE/bin/in-cluster" sinfo -h -N -o %t 2>/dev/null | grep -q "unk"; then exit 0; fi
      sleep 0.1
    done
    die "slurmctld did not answer scontrol ping within $TIMEOUT s; see $STATE/slurm/log/slurmctld.log"
    ;;
  *) die "usage: $0 stop|start" ;;
esac
