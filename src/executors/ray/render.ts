import type { RayPlan } from "./plan.ts";

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
      ...(plan.workingDir === undefined
        ? {}
        : { working_dir: `<zip of ${plan.workingDir.path}, uploaded at submit>` }),
      ...(secretNames.length === 0
        ? {}
        : { py_modules: ["<per-job package holding the secrets, uploaded at submit>"] }),
      ...plan.body.runtime_env,
    },
  };
  return [
    `ray job ${plan.jobId}`,
    `  address:  ${plan.address}${plan.token === undefined ? "" : " (bearer token: ***)"}`,
    `  secrets:  ${
      secretNames.length === 0
        ? "none"
        : `${secretNames.join(", ")} in a per-job package, read and deleted by the entrypoint (not in env_vars, not in the jobs listing)`
    }`,
    `  POST ${plan.address}/api/jobs/`,
    JSON.stringify(body, null, 2)
      .split("\n")
      .map((line) => `    ${line}`)
      .join("\n"),
  ].join("\n");
}
