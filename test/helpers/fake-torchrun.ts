import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A STAND-IN for torchrun (PyTorch is far too large to install for these tests), in POSIX sh so that it runs on this
 * machine and in the busybox test image alike. It checks the argv slipway gives it and then does what
 * `torchrun --standalone --nnodes=1` does for the job's processes, without any rendezvous or CUDA:
 *
 * - prints `torchrun-arg: <arg>` for each of its own arguments, in order, so a test can compare the exact argv;
 * - accepts only `--standalone`, `--nnodes=1`, `--nproc-per-node=<n>`, `--no-python` and `-m` (anything else exits 2);
 * - starts `<n>` copies of the command at once, each with the variables torchrun sets per rank (`RANK`,
 *   `LOCAL_RANK`, `WORLD_SIZE`, `LOCAL_WORLD_SIZE`, `GROUP_RANK`, `MASTER_ADDR`, `MASTER_PORT`) on top of its own
 *   environment, which every rank inherits as under the real torchrun;
 * - without `--no-python`, runs the script as torchrun does with `sys.executable -u <script>` (here `python3 -u`,
 *   `python3 -u -m <module>` with `-m`);
 * - waits for every rank and exits with the last non-zero code.
 *
 * So a test proves end to end what each rank of a real torchrun would see (e.g. `WANDB_RUN_ID` on rank 0 only).
 */
export const FAKE_TORCHRUN = `#!/bin/sh
# STAND-IN for torchrun (see test/helpers/fake-torchrun.ts): checks argv, starts one process per rank with RANK etc.
for arg in "$@"; do printf 'torchrun-arg: %s\\n' "$arg"; done
nproc= standalone= nnodes= python=1 module=
while [ "$#" -gt 0 ]; do
  case "$1" in
    --standalone) standalone=1 ;;
    --nnodes=1) nnodes=1 ;;
    --nproc-per-node=*) nproc=\${1#--nproc-per-node=} ;;
    --no-python) python= ;;
    -m) module=1 ;;
    -*) echo "stand-in torchrun: unexpected option $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
[ -n "$standalone" ] && [ -n "$nnodes" ] || { echo "stand-in torchrun: expected --standalone --nnodes=1" >&2; exit 2; }
case "$nproc" in ''|*[!0-9]*) echo "stand-in torchrun: --nproc-per-node=$nproc is not a count" >&2; exit 2 ;; esac
[ "$#" -gt 0 ] || { echo "stand-in torchrun: no command" >&2; exit 2; }
if [ -n "$python" ]; then
  if [ -n "$module" ]; then set -- python3 -u -m "$@"; else set -- python3 -u "$@"; fi
elif [ -n "$module" ]; then
  echo "stand-in torchrun: -m with --no-python" >&2; exit 2
fi
pids= rank=0
while [ "$rank" -lt "$nproc" ]; do
  RANK=$rank LOCAL_RANK=$rank GROUP_RANK=0 WORLD_SIZE=$nproc LOCAL_WORLD_SIZE=$nproc \\
    MASTER_ADDR=127.0.0.1 MASTER_PORT=29400 "$@" &
  pids="$pids $!"
  rank=$((rank + 1))
done
code=0
for pid in $pids; do wait "$pid" || code=$?; done
exit "$code"
`;

/** Writes {@link FAKE_TORCHRUN} as `dir/torchrun` (mode 0755, the directory 0755 too) and returns `dir`. */
export function writeFakeTorchrun(dir: string): string {
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, "torchrun"), FAKE_TORCHRUN, { mode: 0o755 });
  return dir;
}

/** The argv the stand-in printed (its `torchrun-arg:` lines), in order. */
export function torchrunArgv(lines: readonly string[]): string[] {
  const prefix = "torchrun-arg: ";
  return lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
}
