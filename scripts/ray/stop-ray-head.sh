#!/usr/bin/env bash
# Stops the local Ray head that scripts/ray/start-ray-head.sh started: `ray stop --force` from .venv. Note that
# `ray stop` kills every Ray process of this machine that it may signal, not only the head from this repo.
# Prints "stop-ray-head: ..." (ray's own, very long, output only if it fails).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "stop-ray-head: $*" >&2; }

if [ ! -x .venv/bin/ray ]; then
  say "no .venv/bin/ray (run scripts/setup-python.sh); nothing stopped"
  exit 1
fi

# Not while start-ray-head.sh starts one (it sets SLIPWAY_RAY_LOCKED when it calls us under its lock).
if [ "${SLIPWAY_RAY_LOCKED:-}" != 1 ]; then
  exec 9>/tmp/slipway-ray-head.lock
  flock -w 300 9 || {
    say "timed out waiting for the lock /tmp/slipway-ray-head.lock"
    exit 1
  }
fi

if ! out=$(.venv/bin/ray stop --force 2>&1 </dev/null); then
  echo "$out" >&2
  say "ray stop --force failed"
  exit 1
fi
# The last line is the summary, e.g. "Stopped all 9 Ray processes." or "Did not find any active Ray processes.".
summary=$(printf '%s\n' "$out" | sed 's/\x1b\[[0-9;]*m//g' | tail -n 1)
echo "stop-ray-head: ${summary##*-- }"
