import { shqJoin } from "../../shell-quote.ts";
import type { DockerPlan } from "./plan.ts";

/**
 * The docker plan as a reader would check it: the daemon, the image policy and the exact create body, with secrets
 * shown as `***` where they travel.
 *
 * @example
 * ```ts
 * console.log(renderDocker(plan));
 * ```
 */
export function renderDocker(plan: DockerPlan): string {
  const secretNames = Object.keys(plan.secrets.values).sort();
  const body =
    plan.secrets.mode === "env"
      ? { ...plan.create, Env: [...plan.create.Env, ...secretNames.map((name) => `${name}=***`)] }
      : plan.create;
  const secrets =
    secretNames.length === 0
      ? "none"
      : plan.secrets.mode === "file"
        ? `${secretNames.join(", ")} in a 0400 file mounted read-only (not in Env, not in docker inspect)`
        : `${secretNames.join(", ")} in Env (secrets = "env": visible to docker inspect)`;
  return [
    `docker job ${plan.jobId}`,
    `  daemon:    ${plan.host}`,
    `  image:     ${plan.image} (pull: ${plan.pull})`,
    `  container: ${plan.name}${plan.rm ? " (removed when it ends)" : " (kept for its logs until slipway cleanup)"}`,
    `  command:   ${shqJoin(plan.create.Cmd.length > 0 && plan.secrets.mode === "file" ? plan.create.Cmd : [...plan.create.Entrypoint, ...plan.create.Cmd])}`,
    `  secrets:   ${secrets}`,
    `  POST /containers/create?name=${plan.name}`,
    JSON.stringify(body, null, 2)
      .split("\n")
      .map((line) => `    ${line}`)
      .join("\n"),
  ].join("\n");
}
