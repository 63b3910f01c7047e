#!/usr/bin/env bash
# Stops the Slurm test cluster that scripts/slurm/start-cluster.sh started (local cleanup; CI does not use it) and
# removes its network namespaces. It signals only what that script started:
#   - the pids in its pid files (munged, slurmctld, slurmd's, the login node's socat, the jump host's sshd), each
#     checked against its program name in case the pid was reused;
#   - every process in the slipway-slurm-* network namespaces (slurmd, slurmstepd, jobs, login sessions);
#   - processes whose environment has SLIPWAY_SLURM_DAEMON=1 (set at launch), children of the socat and of the jump
#     sshd, and processes of the login user slipway (only if its home is in the state dir, i.e. the script made it).
# SIGTERM to munged, socat and the jump sshd, SIGKILL to the rest (Slurm daemons, jobs, sessions), all at once;
# SIGKILL to whatever still runs after 3 s. A zombie counts as gone (PID 1 may reap slowly). Keys, the munge key,
# the login user and its home stay in /tmp/slipway-slurm; the next start wipes the controller state.
# Usage: stop-cluster.sh [--quiet]
set -euo pipefail

STATE=/tmp/slipway-slurm
LOCK=/tmp/slipway-slurm.lock
NS_PREFIX=slipway-slurm
USER_NAME=slipway
QUIET=
[ "${1:-}" = --quiet ] && QUIET=1

say() { echo "stop-cluster: $*" >&2; }
[ "$(id -u)" = 0 ] || {
  say "must run as root"
  exit 1
}
start_ms=$((${EPOCHREALTIME/./} / 1000))

if [ -z "${SLIPWAY_SLURM_LOCKED:-}" ]; then
  exec 9>"$LOCK"
  flock -w 300 9 || {
    say "timed out waiting for the lock $LOCK (start-cluster.sh still running?)"
    exit 1
  }
fi

# "alive", "zombie" or "gone"; $2, if given, must be the program name.
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
  if [ -n "${2:-}" ] && [ "$comm" != "$2" ]; then
    echo gone
  elif [ "$s" = Z ] || [ "$s" = X ]; then
    echo zombie
  else
    echo alive
  fi
}

declare -A victims=()
add() {
  local pid
  for pid in "$@"; do
    # Zombies are left to their parent (or PID 1, which may take a while to reap them).
    if [ "$pid" != $$ ] && [ "$pid" != "$PPID" ] && [ "$pid" != 1 ] && [ "$(pid_state "$pid")" = alive ]; then
      victims[$pid]=1
    fi
  done
}

parents=()
graceful=()
# munged runs as user munge, so its pid file is in its own directory.
for spec in munge/run/munged:munged run/slurmctld:slurmctld run/socat-login:socat run/sshd-jump:sshd \
  "run/slurmd-*:slurmd"; do
  for file in "$STATE"/${spec%%:*}.pid; do
    [ -s "$file" ] || continue
    read -r pid <"$file" || continue
    [[ $pid =~ ^[0-9]+$ ]] || continue
    if [ "$(pid_state "$pid" "${spec#*:}")" = alive ]; then
      add "$pid"
      case $spec in *:slurmctld | *:slurmd) ;; *) graceful+=("$pid") ;; esac
      case $spec in run/socat-login:* | run/sshd-jump:*) parents+=("$pid") ;; esac
    fi
  done
done

namespaces=()
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
  case $ns in "$NS_PREFIX"-*) namespaces+=("$ns") ;; esac
done
for ns in ${namespaces[@]+"${namespaces[@]}"}; do
  # shellcheck disable=SC2046 # one pid per word
  add $(ip netns pids "$ns" 2>/dev/null || true)
done

user_uid=
if entry=$(getent passwd "$USER_NAME"); then
  case $(cut -d: -f6 <<<"$entry") in "$STATE"/*) user_uid=$(cut -d: -f3 <<<"$entry") ;; esac
fi
if [ -n "$user_uid" ]; then
  while read -r dir uid; do
    [ "$uid" != "$user_uid" ] || add "${dir#/proc/}"
  done < <(stat -c '%n %u' /proc/[0-9]* 2>/dev/null || true)
fi
if [ ${#parents[@]} -gt 0 ]; then
  for dir in /proc/[0-9]*; do
    { read -r line <"$dir/stat"; } 2>/dev/null || continue
    read -r _ ppid _ <<<"${line##*) }"
    for parent in "${parents[@]}"; do
      [ "$ppid" != "$parent" ] || add "${dir#/proc/}"
    done
  done
fi
while read -r file; do
  file=${file#/proc/}
  add "${file%/environ}"
done < <(grep -lzx 'SLIPWAY_SLURM_DAEMON=1' /proc/[0-9]*/environ 2>/dev/null || true)

pids=("${!victims[@]}")
names=()
for pid in ${pids[@]+"${pids[@]}"}; do
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) && names+=("${comm}[$pid]")
done
if [ ${#pids[@]} -gt 0 ]; then
  # munged, socat and the jump sshd get SIGTERM. Everything else gets SIGKILL at once: with jobs running, slurmctld,
  # slurmstepd and srun outlast a SIGTERM by seconds, and the next start wipes the controller state anyway.
  others=()
  for pid in "${pids[@]}"; do
    case " ${graceful[*]} " in *" $pid "*) ;; *) others+=("$pid") ;; esac
  done
  [ ${#others[@]} -eq 0 ] || kill -KILL "${others[@]}" 2>/dev/null || true
  [ ${#graceful[@]} -eq 0 ] || kill -TERM "${graceful[@]}" 2>/dev/null || true
  remaining=()
  for ((i = 0; i < 30; i++)); do
    remaining=()
    for pid in "${pids[@]}"; do
      [ "$(pid_state "$pid")" != alive ] || remaining+=("$pid")
    done
    [ ${#remaining[@]} -gt 0 ] || break
    sleep 0.1
  done
  if [ ${#remaining[@]} -gt 0 ]; then
    say "SIGKILL to ${remaining[*]} (still running 3 s after SIGTERM)"
    kill -KILL "${remaining[@]}" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
      alive=0
      for pid in "${remaining[@]}"; do
        [ "$(pid_state "$pid")" != alive ] || alive=1
      done
      [ "$alive" = 1 ] || break
      sleep 0.1
    done
  fi
fi

for ns in ${namespaces[@]+"${namespaces[@]}"}; do
  ip netns del "$ns" 2>/dev/null || say "could not delete netns $ns"
done
rm -f "$STATE"/run/*.pid "$STATE"/munge/run/munged.pid "$STATE"/munge/run/munge.socket.2* "$STATE/connection.json"

if [ -z "$QUIET" ] || [ ${#pids[@]} -gt 0 ] || [ ${#namespaces[@]} -gt 0 ]; then
  say "stopped ${#pids[@]} process(es)${names[*]:+ (${names[*]})}, removed ${#namespaces[@]} network namespace(s)" \
    "in $(($((${EPOCHREALTIME/./} / 1000)) - start_ms)) ms"
fi
