#!/usr/bin/env bash
# Creates .venv with the pinned W&B SDK that the oracle tests compare slipway against.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if ! "$python" -m venv --help >/dev/null 2>&1; then
  echo "setup-python: $python has no venv module; installing python3-venv" >&2
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
.venv/bin/python -c 'import wandb; print("setup-python: wandb", wandb.__version__, "in .venv")'
