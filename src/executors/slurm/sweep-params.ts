import type { SweepTasks } from "../../job/job.ts";
import { shq, shqJoin } from "../../shell-quote.ts";

/**
 * The parameter file of a sweep run as one array job: a bash `case` on `SLURM_ARRAY_TASK_ID` that sets each task's
 * argv (`slipway_argv`) and exports the variables that differ between tasks — or, for a Kubernetes Indexed Job
 * (`shell = "sh"`), a POSIX `case` on `JOB_COMPLETION_INDEX` that sets the positional parameters. Every word is single-quoted by
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
export function sweepParams(sweep: SweepTasks, shell: "bash" | "sh" = "bash"): string {
  // bash (Slurm): the argv in an array, run by the script; sh (a Kubernetes image's shell): the positional parameters.
  const [index, setArgv, sourcedBy] =
    shell === "bash"
      ? ["SLURM_ARRAY_TASK_ID", (words: string) => `slipway_argv=(${words})`, "job.sbatch"]
      : ["JOB_COMPLETION_INDEX", (words: string) => `set -- ${words}`, "the pod's entry"];
  const lines = [
    `# Written by slipway: the sweep's combinations, one case per task (sourced by ${sourcedBy}).`,
    `case "$${index}" in`,
    ...sweep.tasks.flatMap((task, i) => [
      `${i}) ${setArgv(shqJoin(task.command))}`,
      ...Object.entries(task.env).map(([name, value]) => `  export ${name}=${shq(value)}`),
      "  ;;",
    ]),
    `*) echo "slipway: no sweep parameters for task \${${index}:-(none)}" >&2; exit 1 ;;`,
    "esac",
  ];
  return `${lines.join("\n")}\n`;
}
