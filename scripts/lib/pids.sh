# shellcheck shell=bash
# Process helpers for the scripts that start and stop daemons; source it.

# "alive", "zombie" or "gone": the state of pid $1, read from /proc (a zombie is as good as gone).
pid_state() {
  local line s
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || { echo gone; return; }
  s=${line##*) }
  case "${s%% *}" in
    Z | X) echo zombie ;;
    *) echo alive ;;
  esac
}

# Waits up to $2 tenths of a second until pid $1 is gone (or only a zombie).
wait_dead() {
  local i
  for ((i = 0; i < $2; i++)); do
    [ "$(pid_state "$1")" = alive ] || return 0
    sleep 0.1
  done
  return 1
}
