# shellcheck shell=bash
# Sourced (not run) by every script that installs Debian packages: `apt_get ARGS...` runs `apt-get ARGS...` but waits
# up to $SLIPWAY_APT_LOCK_TIMEOUT seconds (default 300) for the locks another apt-get or dpkg holds, instead of
# failing at once when two setup scripts (or unattended-upgrades) run side by side.
# -o DPkg::Lock::Timeout only makes apt-get wait for dpkg's locks: the package lists' lock (apt-get update) and the
# download cache's lock still fail at once ("E: Could not get lock /var/lib/apt/lists/lock", apt 2.6), so a run that
# failed on a lock is started again every second until the time is up. Nothing was changed by a run that failed so.
# stderr is held back until apt-get ends, to be searched for that message.

apt_get() {
  local limit=${SLIPWAY_APT_LOCK_TIMEOUT:-300}
  local deadline=$((SECONDS + limit)) err rc said=
  err=$(mktemp) || return 1
  while :; do
    rc=0
    apt-get -o DPkg::Lock::Timeout=$((deadline > SECONDS ? deadline - SECONDS : 0)) "$@" 2>"$err" || rc=$?
    if [ "$rc" -ne 0 ] && [ "$SECONDS" -lt "$deadline" ] && grep -q '^E: Could not get lock' "$err"; then
      [ -n "$said" ] || echo "apt-get: another apt-get or dpkg holds a lock; waiting up to $limit s" >&2
      said=1
      sleep 1
      continue
    fi
    cat "$err" >&2
    rm -f "$err"
    return "$rc"
  done
}
