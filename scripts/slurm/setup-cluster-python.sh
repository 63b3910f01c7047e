#!/usr/bin/env bash
# Creates /opt/slipway-test/venv: a Python with the W&B SDK that jobs on the Slurm test cluster can run. They run as
# the unprivileged user `slipway`, who cannot reach the repository's .venv (it links into /root/.pyenv, and /root is
# 0700), so this venv is made from Debian's /usr/bin/python3 and is world-readable. It holds only the wandb pin of
# requirements-test.txt. Prints the venv's python on stdout. Idempotent: when the venv already has that pin (a marker
# written after the check below), it does nothing. Called by scripts/slurm/start-cluster.sh; run as root.
# Timings (Debian 12 VM, 2 cores, python3-venv already installed): cold 10-13 s (venv ~3 s, then pip downloading
# wandb and its 35 dependencies, 125 MB installed; no pip cache was kept between runs there); warm < 10 ms (a file
# read, no Python started), so start-cluster.sh's fast path stays at ~0.3 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/apt.sh

BASE=/opt/slipway-test
VENV=$BASE/venv
PY=/usr/bin/python3
LOCK=/tmp/slipway-test-venv.lock
MARKER=$VENV/.slipway-ready

say() { echo "setup-cluster-python: $*" >&2; }
die() {
  say "$*"
  exit 1
}

pin=$(grep -E '^wandb==' requirements-test.txt) || die "no wandb==<version> line in requirements-test.txt"

ready() { [ -x "$VENV/bin/python" ] && [ "$(cat "$MARKER" 2>/dev/null)" = "$pin" ]; }
if ready; then
  echo "$VENV/bin/python"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root (it writes $BASE and may install python3-venv)"
exec 8>"$LOCK"
flock -w 600 8 || die "timed out waiting for the lock $LOCK (another setup-cluster-python.sh still running?)"
if ready; then
  echo "$VENV/bin/python"
  exit 0
fi
start=$SECONDS

# Debian's python3 creates venvs only with python3-venv (ensurepip) installed.
if ! "$PY" -c 'import ensurepip' 2>/dev/null; then
  say "installing python3-venv"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt_get install -y -qq --no-install-recommends python3-venv >/dev/null; }
  apt_install || { apt_get update -qq && apt_install; } ||
    die "apt-get install python3-venv failed"
fi

umask 022
install -d -m 755 "$BASE"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "$pin" ||
  die "pip install $pin into $VENV failed"
# pip honours the umask, but a wheel may carry tighter modes; jobs run as another user.
chmod -R a+rX "$BASE"

# Import it as a user with no rights of its own (cwd /, no HOME), as a job would.
got=$(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin \
  "$VENV/bin/python" -c 'import wandb; print(wandb.__version__)') ||
  die "an unprivileged user cannot import wandb from $VENV"
[ "wandb==$got" = "$pin" ] || die "$VENV has wandb $got, not $pin"
echo "$pin" >"$MARKER"
say "$VENV: $("$VENV/bin/python" --version 2>&1) with wandb $got, built in $((SECONDS - start)) s"
echo "$VENV/bin/python"
