import { describeCode } from "../../package/code-package.ts";
import { TIME_LIMIT_GRACE_SECONDS, type RayPlan } from "./plan.ts";

/**
 * The ray plan as a reader would check it: the address and the exact `POST /api/jobs/` body, with the package
 * URIs that are only known at submit shown as placeholders and secrets named, never shown.
 *
 * @example
 * ```ts
 * console.log(renderRay(plan));
 * ```
 */
export function renderRay(plan: RayPlan): string {
  const secretNames = Object.keys(plan.secrets).sort();
  const body = {
    ...plan.body,
    runtime_env: {
      ...(plan.code === undefined ? {} : { working_dir: plan.code.uri }),
      ...(secretNames.length === 0
        ? {}
        : { py_modules: ["<per-job package holding the secrets, uploaded at submit>"] }),
      ...plan.body.runtime_env,
    },
  };
  return [
    `ray job ${plan.jobId}`,
    `  address:  ${plan.address}${plan.token === undefined ? "" : " (bearer token: ***)"}`,
    ...(plan.code === undefined
      ? []
      : [
          `  code:     ${describeCode(plan.code.summary)}, as working_dir (uploaded at submit unless Ray has it)`,
        ]),
    `  runs in:  ${
      plan.code === undefined
        ? "the directory Ray gives the job (nothing shipped), unless the entrypoint's cd says otherwise"
        : `the working_dir package${plan.code.summary.subdir === "" ? "" : `'s ${plan.code.summary.subdir}/`} (its copy on the node)`
    }`,
    `  secrets:  ${
      secretNames.length === 0
        ? "none"
        : `${secretNames.join(", ")} in a per-job package, read ${plan.retries > 0 ? "by every attempt" : "and deleted by the entrypoint"} (not in env_vars, not in the jobs listing)`
    }`,
    ...(plan.retries === 0
      ? []
      : [
          `  retries:  ${plan.retries}: a failed job is submitted again as ${plan.jobId}-r1${plan.retries > 1 ? ", …" : ""} (up to ${plan.retries + 1} attempts) by the slipway process that sees it fail (wait, status, a foreground launch); not after a cancel or the time limit`,
        ]),
    ...(plan.timeLimit === undefined
      ? []
      : [
          `  time:     ${plan.timeLimit.text} (${plan.timeLimit.seconds} s) for the whole job, kept by the entrypoint's watchdog; then SIGTERM, SIGKILL after ${TIME_LIMIT_GRACE_SECONDS} s, and the job fails with "time limit"`,
        ]),
    `  POST ${plan.address}/api/jobs/`,
    JSON.stringify(body, null, 2)
      .split("\n")
      .map((line) => `    ${line}`)
      .join("\n"),
  ].join("\n");
}
