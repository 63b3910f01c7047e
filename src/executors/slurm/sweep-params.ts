import type { SweepTasks } from "../../job/job.ts";
import { shq, shqJoin } from "../../shell-quote.ts";

/**
 * The parameter file of a sweep run as one array job: a bash `case` on `SLURM_ARRAY_TASK_ID` that sets each task's
 * argv (`slipway_argv`) and exports the variables that differ between tasks. Every word is single-quoted by
 * `shq`, so any value (spaces, quotes, `$`, newlines) reaches the program exactly; the file holds no secret.
 *
 * @example
 * ```ts
 * sweepParams({ tasks: [{ command: ["python", "t.py", "--lr", "1e-4"], env: { WANDB_NAME: "t-lr=1e-4" } }] });
 * // case "$SLURM_ARRAY_TASK_ID" in
 * // 0) slipway_argv=(python t.py --lr 1e-4)
 * //   export WANDB_NAME=t-lr=1e-4 ;;
 * // …
 * ```
 */
export function sweepParams(sweep: SweepTasks): string {
  const lines = [
    "# Written by slipway: the sweep's combinations, one case per array task (sourced by job.sbatch).",
    'case "$SLURM_ARRAY_TASK_ID" in',
    ...sweep.tasks.flatMap((task, index) => [
      `${index}) slipway_argv=(${shqJoin(task.command)})`,
      ...Object.entries(task.env).map(([name, value]) => `  export ${name}=${shq(value)}`),
      "  ;;",
    ]),
    '*) echo "slipway: no sweep parameters for array task ${SLURM_ARRAY_TASK_ID:-(none)}" >&2; exit 1 ;;',
    "esac",
  ];
  return `${lines.join("\n")}\n`;
}
