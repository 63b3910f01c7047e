import { describeCode } from "../../package/code-package.ts";
import { shqJoin } from "../../shell-quote.ts";
import type { SlurmPlan } from "./plan.ts";
import { JOB_FILES } from "./script.ts";

/**
 * The slurm plan as a reader would check it: where it goes, what is shipped, the submit command and the whole
 * sbatch script. Secrets are named, never shown (the script holds none).
 *
 * @example
 * ```ts
 * console.log(renderSlurm(plan));
 * ```
 */
export function renderSlurm(plan: SlurmPlan): string {
  const secretNames = Object.keys(plan.secrets);
  const dir = plan.jobDir;
  return [
    `slurm job ${plan.jobId} on ${plan.label === "local" ? "this machine (tunnel = local)" : plan.label}`,
    `  job dir:  ${dir} (0700: script, logs, exit code)`,
    `  secrets:  ${
      secretNames.length === 0
        ? "none"
        : `${secretNames.join(", ")} in ${dir}/${JOB_FILES.secrets} (0600, written over SFTP, read with tracing off, deleted when the job ends)`
    }`,
    ...(plan.code === undefined
      ? []
      : [`  code:     ${describeCode(plan.code)}, unpacked into ${dir}/${JOB_FILES.code}`]),
    `  runs in:  ${plan.runsIn}`,
    ...(plan.arrayIndices === undefined
      ? []
      : [`  array:    ${plan.arrayIndices.length} tasks, logs stdout-<index>.log and stderr-<index>.log`]),
    `  submit:   cd ${dir} && ${shqJoin(plan.submit)}`,
    `  --- ${JOB_FILES.script} ---`,
    plan.script.trimEnd(),
    ...(plan.sweepParams === undefined
      ? []
      : [`  --- ${JOB_FILES.sweepParams} ---`, plan.sweepParams.trimEnd()]),
  ].join("\n");
}
