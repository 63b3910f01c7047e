/** The name each rank's wrapper shell gives itself (`$0`); the command is `"$@"`. */
export const RANK_WRAPPER_NAME = "slipway-rank";

/**
 * What {@link torchrunCommand} wraps: torchrun's own options for this node, the job's command and the variables only
 * rank 0 may keep.
 */
export interface TorchrunInput {
  /** torchrun's options before the command: rendezvous, node count and `--nproc-per-node`. */
  readonly options: readonly string[];
  readonly command: readonly string[];
  /** Names of the variables only the process with `RANK=0` keeps (`WANDB_RUN_ID`, `WANDB_RESUME`). */
  readonly rankZeroOnly: readonly string[];
}

/**
 * The argv that starts `command` under torchrun. torchrun runs its script argument with its own Python
 * (`python -u <script>`), so `python train.py …` becomes `train.py …` and `python -m pkg …` becomes `-m pkg …`;
 * any other program runs as is through `--no-python`. Every rank is a child of the one torchrun process and
 * inherits its environment, so when some variables are for rank 0 only, each rank starts through a small `/bin/sh`
 * that unsets them unless `RANK` is 0 (the Python command then keeps its interpreter, with `-u` as torchrun adds it).
 *
 * @example
 * ```ts
 * torchrunCommand({ options: singleNodeOptions(2), command: ["python", "train.py"], rankZeroOnly: [] });
 * // ["torchrun", "--standalone", "--nnodes=1", "--nproc-per-node=2", "train.py"]
 * torchrunCommand({ options: singleNodeOptions(2), command: ["python", "train.py"], rankZeroOnly: ["WANDB_RUN_ID"] });
 * // [..., "--no-python", "/bin/sh", "-c", 'if [ "$RANK" != 0 ]; then unset WANDB_RUN_ID; fi; exec "$@"',
 * //  "slipway-rank", "python", "-u", "train.py"]
 * ```
 */
export function torchrunCommand(input: TorchrunInput): string[] {
  return ["torchrun", ...input.options, ...torchrunArgs(input.command, input.rankZeroOnly)];
}

/**
 * What follows torchrun's options to start `command` on every rank, as {@link torchrunCommand} describes; for
 * executors that write torchrun's options themselves (Slurm's `--node-rank="$SLURM_NODEID"`).
 *
 * @example
 * ```ts
 * torchrunArgs(["python", "-m", "pkg.train"], []); // ["-m", "pkg.train"]
 * torchrunArgs(["bash", "-c", "echo hi"], []); // ["--no-python", "bash", "-c", "echo hi"]
 * ```
 */
export function torchrunArgs(command: readonly string[], rankZeroOnly: readonly string[]): string[] {
  const python = pythonScript(command);
  if (rankZeroOnly.length === 0)
    return python === undefined ? ["--no-python", ...command] : python.torchrunArgs;
  const perRank = python === undefined ? command : python.unbuffered;
  return ["--no-python", "/bin/sh", "-c", rankZeroWrapper(rankZeroOnly), RANK_WRAPPER_NAME, ...perRank];
}

/**
 * torchrun's options for one node on its own: a local rendezvous (`--standalone`) and `nproc` processes, a count
 * or `"gpu"` (as many as the node's visible GPUs, counted by torchrun).
 *
 * @example
 * ```ts
 * singleNodeOptions(4); // ["--standalone", "--nnodes=1", "--nproc-per-node=4"]
 * ```
 */
export function singleNodeOptions(nproc: number | "gpu"): string[] {
  return ["--standalone", "--nnodes=1", `--nproc-per-node=${nproc}`];
}

/**
 * The `/bin/sh -c` script each rank starts through: unsets `names` unless `RANK` is 0, then becomes the command.
 * The names are environment variable names (checked by `buildJob`), so they need no quoting.
 *
 * @example
 * ```ts
 * rankZeroWrapper(["WANDB_RESUME", "WANDB_RUN_ID"]);
 * // 'if [ "$RANK" != 0 ]; then unset WANDB_RESUME WANDB_RUN_ID; fi; exec "$@"'
 * ```
 */
export function rankZeroWrapper(names: readonly string[]): string {
  return `if [ "$RANK" != 0 ]; then unset ${[...names].sort().join(" ")}; fi; exec "$@"`;
}

// Only a bare interpreter name is dropped: a path (`.venv/bin/python`) names a Python torchrun's own may not be.
const PYTHON = /^python(?:3(?:\.\d+)?)?$/;

/** A `python <script> …` or `python -m <module> …` command, as torchrun's arguments and as an unbuffered command. */
function pythonScript(
  command: readonly string[],
): { readonly torchrunArgs: string[]; readonly unbuffered: string[] } | undefined {
  const [program = "", first, second, ...rest] = command;
  if (!PYTHON.test(program) || first === undefined) return undefined;
  if (first === "-m" && second !== undefined && second !== "") {
    return { torchrunArgs: ["-m", second, ...rest], unbuffered: [program, "-u", "-m", second, ...rest] };
  }
  if (first === "" || first.startsWith("-")) return undefined;
  const args = command.slice(1);
  return { torchrunArgs: args, unbuffered: [program, "-u", ...args] };
}
