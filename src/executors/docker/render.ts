import { describeCode } from "../../package/code-package.ts";
import { shqJoin } from "../../shell-quote.ts";
import { ENTRY_NAME, type DockerPlan } from "./plan.ts";

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
    `  container: ${plan.name}${plan.rm ? ` (removed when it ends${plan.removeWhenEnded ? ", by slipway once it sees the end" : ""})` : " (kept for its logs until slipway cleanup)"}`,
    `  command:   ${shqJoin(plan.create.Entrypoint[3] === ENTRY_NAME ? plan.create.Cmd : [...plan.create.Entrypoint, ...plan.create.Cmd])}`,
    ...(plan.retries === 0
      ? []
      : [
          `  retries:   ${plan.retries}: Docker restarts a failed container (on-failure), up to ${plan.retries + 1} attempts`,
        ]),
    ...(plan.timeLimit === undefined
      ? []
      : [
          `  time:      ${plan.timeLimit.text} (${plan.timeLimit.seconds} s) for the whole job, kept by the entry wrapper; then SIGTERM, SIGKILL after ${plan.graceSeconds} s, and the job fails with "time limit" (not restarted)`,
        ]),
    ...(plan.code === undefined
      ? []
      : [`  code:      ${describeCode(plan.code.summary)}, copied to ${plan.code.dir} before the start`]),
    `  runs in:   ${plan.create.WorkingDir ?? "the image's working directory"}`,
    `  secrets:   ${secrets}`,
    `  POST /containers/create?name=${plan.name}`,
    JSON.stringify(body, null, 2)
      .split("\n")
      .map((line) => `    ${line}`)
      .join("\n"),
  ].join("\n");
}
