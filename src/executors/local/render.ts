import { compareEnvNames } from "../../job/compare-env-names.ts";
import { describeCode } from "../../package/code-package.ts";
import { shq, shqJoin } from "../../shell-quote.ts";
import type { LocalPlan } from "./plan.ts";
import { NOT_INHERITED } from "./plan.ts";

/**
 * The local plan as a reader would check it: the command, where it runs, its environment (secrets as `***`),
 * where its output goes and how it is cancelled.
 *
 * @example
 * ```ts
 * console.log(renderLocal(plan));
 * ```
 */
export function renderLocal(plan: LocalPlan): string {
  const env = Object.entries(plan.env)
    .sort(([a], [b]) => compareEnvNames(a, b))
    .map(([name, value]) => `    ${name}=${typeof value === "string" ? shq(value) : String(value)}`);
  const inherit = plan.inheritEnv
    ? `the launching shell's environment, without ${NOT_INHERITED.join(", ")}, plus:`
    : "only these variables:";
  return [
    `local job ${plan.jobId}`,
    `  command: ${shqJoin(plan.argv)}`,
    ...(plan.code === undefined
      ? []
      : [`  code:    ${describeCode(plan.code.summary)}, unpacked into ${plan.code.dir} at submit`]),
    `  workdir: ${plan.cwd}`,
    ...(plan.gpus.count === 0
      ? []
      : [
          `  gpus:    ${plan.gpus.ids === undefined ? "as CUDA_VISIBLE_DEVICES in env says" : plan.gpus.ids.join(", ")} (nvidia-smi must list ${plan.gpus.count} at submit)`,
        ]),
    `  env:     ${inherit}`,
    ...env,
    `  stdout:  ${plan.stdoutPath}`,
    `  stderr:  ${plan.stderrPath}`,
    `  process: own process group; cancel sends SIGTERM, then SIGKILL after ${plan.graceSeconds} s`,
    ...(plan.retries === 0
      ? []
      : [
          `  retries: ${plan.retries}: the wrapper shell starts a failed run again, up to ${plan.retries + 1} attempts (not after a cancel or the time limit)`,
        ]),
    ...(plan.timeLimit === undefined
      ? []
      : [
          `  time:    ${plan.timeLimit.text} (${plan.timeLimit.seconds} s) for the whole job; then SIGTERM, SIGKILL after ${plan.graceSeconds} s, and the job fails with "time limit"`,
        ]),
  ].join("\n");
}
