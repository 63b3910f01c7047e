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
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `    ${name}=${typeof value === "string" ? shq(value) : String(value)}`);
  const inherit = plan.inheritEnv
    ? `the launching shell's environment, without ${NOT_INHERITED.join(", ")}, plus:`
    : "only these variables:";
  return [
    `local job ${plan.jobId}`,
    `  command: ${shqJoin(plan.argv)}`,
    `  workdir: ${plan.cwd}`,
    `  env:     ${inherit}`,
    ...env,
    `  stdout:  ${plan.stdoutPath}`,
    `  stderr:  ${plan.stderrPath}`,
    `  process: own process group; cancel sends SIGTERM, then SIGKILL after ${plan.graceSeconds} s`,
  ].join("\n");
}
