#!/usr/bin/env bash
# Creates .venv with requirements-test.txt: the pinned W&B SDK that the oracle tests compare slipway against, and the
# pinned Ray that scripts/ray/start-ray-head.sh starts a local head from. Idempotent; `pip check` must pass (wandb and
# ray share dependencies such as protobuf).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/apt.sh
python=${PYTHON:-python3}
if ! "$python" -m venv --help >/dev/null 2>&1; then
  echo "setup-python: $python has no venv module; installing python3-venv" >&2
  apt_get update -qq && apt_get install -y -qq python3-venv >/dev/null
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
if ! check=$(.venv/bin/python -m pip check --disable-pip-version-check 2>&1); then
  echo "$check" >&2
  echo "setup-python: conflicting packages in .venv (pip check above)" >&2
  exit 1
fi
.venv/bin/python -c 'import ray, wandb; print("setup-python: wandb", wandb.__version__, "and ray", ray.__version__, "in .venv")'
