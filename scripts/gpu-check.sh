#!/usr/bin/env bash
# GPU check of single-node torchrun, for a machine with an NVIDIA GPU; needs no network. About a minute.
#   1. nvidia-smi: the GPUs and the driver (what slipway's local executor counts before starting a GPU job)
#   2. when python3 imports torch with CUDA: a 2-process all-reduce under the real torchrun
#      (NCCL across 2 GPUs; gloo on CUDA tensors when there is one GPU, since NCCL refuses two ranks on one GPU)
#   3. when node and node_modules are here: the same all-reduce launched through slipway (local profile,
#      launcher = "torchrun"), checking that only rank 0 sees WANDB_RUN_ID and both see CUDA_VISIBLE_DEVICES
# Usage: bash scripts/gpu-check.sh   (stops at the first failed step, exit 1; a step it cannot run is SKIPPED)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$(pwd)
PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*"; exit 1; }

step "1/3 nvidia-smi"
command -v nvidia-smi >/dev/null || fail "nvidia-smi is not on PATH"
timeout 30 nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv || fail "nvidia-smi failed"
gpus=$(timeout 30 nvidia-smi --query-gpu=index --format=csv,noheader | grep -c '^[0-9]')
echo "GPUs listed: $gpus"
[ "$gpus" -ge 1 ] || fail "nvidia-smi lists no GPU"

step "2/3 torchrun: 2-process all-reduce"
if ! timeout 60 "$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "SKIPPED: $PYTHON cannot import torch with CUDA"
  exit 0
fi
command -v torchrun >/dev/null || fail "torch imports but torchrun is not on PATH"
cat >"$work/allreduce.py" <<'PY'
import os, sys, torch, torch.distributed as dist
gpus = torch.cuda.device_count()
dist.init_process_group("nccl" if gpus >= 2 else "gloo")
rank, world = dist.get_rank(), dist.get_world_size()
device = torch.device("cuda", int(os.environ["LOCAL_RANK"]) % gpus)
torch.cuda.set_device(device)
t = torch.tensor([float(rank + 1)], device=device)
dist.all_reduce(t)
torch.cuda.synchronize()
want = world * (world + 1) / 2
print(f"rank {rank}/{world} on cuda:{device.index} ({torch.cuda.get_device_name(device)}) "
      f"CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '-')} "
      f"WANDB_RUN_ID={os.environ.get('WANDB_RUN_ID', '-')}: all_reduce sum {t.item():g}, expected {want:g}", flush=True)
dist.destroy_process_group()
sys.exit(0 if t.item() == want else 1)
PY
timeout 90 torchrun --standalone --nnodes=1 --nproc-per-node=2 "$work/allreduce.py" || fail "torchrun all-reduce"
echo "OK: torchrun all-reduce"

step "3/3 slipway launch --launcher torchrun (local executor)"
if ! command -v node >/dev/null || [ ! -d node_modules ]; then
  echo "SKIPPED: no node or no node_modules here"
  exit 0
fi
use=$((gpus < 2 ? gpus : 2))
cp "$work/allreduce.py" "$work/probe.py"
cat >"$work/env.toml" <<TOML
[wandb]
project = "gpu-check"
mode = "offline"

[gpu]
executor = "local"
launcher = "torchrun"
gpus_per_node = $use
nproc_per_node = 2
TOML
out=$(cd "$work" && SLIPWAY_HOME="$work/home" timeout 120 node "$repo/src/cli.ts" launch --config "$work/env.toml" \
  --profile gpu --name gpu-check -- "$PYTHON" probe.py 2>&1) || { echo "$out"; fail "slipway launch"; }
echo "$out"
echo "$out" | grep -q '^rank 0/2 .*WANDB_RUN_ID=gpu-check-' || fail "rank 0 did not see its WANDB_RUN_ID"
echo "$out" | grep -q '^rank 1/2 .*WANDB_RUN_ID=-:' || fail "rank 1 saw WANDB_RUN_ID"
echo "OK: slipway torchrun, WANDB_RUN_ID on rank 0 only"
