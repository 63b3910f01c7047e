import type { JobStatus } from "../../job/job-state.ts";
import type { JobFiles } from "../../store/job-files.ts";
import type { JobEngine, LogSaver } from "../executor-module.ts";
import { tailFiles } from "../tail-file.ts";
import type { CleanupResult, LogOptions } from "../types.ts";
import type { RayClient, RayJobDetails } from "./ray-client.ts";
import { secretsPrefix } from "./plan.ts";
import { unmetDemand } from "./ray-demand.ts";
import { followRayLogs } from "./ray-log-tail.ts";
import { rayState } from "./states.ts";

/** The status of a job Ray no longer knows: terminal, so that `wait()` ends instead of asking forever. */
export const DELETED_STATUS: JobStatus = {
  state: "failed",
  raw: "deleted",
  exitCode: undefined,
  reason: "Ray no longer knows this job (the head restarted or the job was deleted)",
};

/**
 * A ray job's engine over the Jobs REST API: status from `GET /api/jobs/{id}` (Ray's status through `states.ts`,
 * its message as the reason, the driver's exit code), stop as `POST …/stop`, logs from Ray (stdout and stderr
 * merged, so all of it is `stdout`), cleanup as "save the log, then `DELETE` the job". `client` is called when a
 * request is first made, so a token read from the job's profile is read only then.
 *
 * @example
 * ```ts
 * const engine = rayEngine("sft-k3j9x2", store.files("sft-k3j9x2"), () => new RayClient({ address }));
 * await engine.probe(); // { state: "running", raw: "RUNNING", … }
 * ```
 */
export function rayEngine(
  id: string,
  files: JobFiles,
  client: () => RayClient,
  demand: Readonly<Record<string, number>> = {},
): JobEngine {
  let connected: RayClient | undefined;
  const ray = (): RayClient => (connected ??= client());
  // Asked once per engine, the first time the job is seen pending: whether any node can ever hold the entrypoint.
  let unmet: Promise<string | undefined> | undefined;
  const blockedBy = (): Promise<string | undefined> =>
    (unmet ??= ray()
      .nodeResources()
      .then((nodes) => unmetDemand(demand, nodes))
      .catch(() => undefined));
  // Ray logs the whole entrypoint ("Running entrypoint for job …: <entrypoint>"): show the job's command, not the
  // wrapper that loads its secrets.
  const wrapper = `${secretsPrefix(id)} `;
  const hideWrapper = (text: string): string => text.replaceAll(wrapper, "");
  return {
    poll: {
      firstMs: 100,
      maxMs: 1000,
      factor: 2,
      // Ray delivers a stop through the job's supervisor actor; a job still waiting for resources has none running,
      // so it stays PENDING until the resources come or Ray's start timeout fails it. Do not wait for that long.
      cancelDeadlineMs: (before) => (before.state === "pending" ? 5_000 : 60_000),
      unconfirmedCancel: (status) =>
        status.state === "pending"
          ? "stop requested; Ray stops a job waiting for resources only once it starts or its start times out " +
            "(RAY_JOB_START_TIMEOUT_SECONDS on the cluster, 15 min by default)"
          : "stop requested; the job has not ended yet",
    },

    async probe(): Promise<JobStatus> {
      const details = await ray().getJob(id);
      if (details === undefined) return DELETED_STATUS;
      const status = statusOf(details);
      if (status.state !== "pending" || Object.keys(demand).length === 0) return status;
      const blocked = await blockedBy();
      return blocked === undefined ? status : { ...status, blocked };
    },

    async stop(): Promise<void> {
      // Ray answers `stopped: false` for a job that already ended, 404 for one it no longer knows: nothing to do.
      await ray().stop(id);
    },

    async *logs(options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<string> {
      // Ray merges the job's stderr into its one log, shown as stdout.
      if (options.stream === "stderr") return;
      if ((await ray().getJob(id)) === undefined) {
        // Deleted from Ray (by someone else, or the head restarted): only a log saved earlier, if any.
        yield* tailFiles([{ path: files.log("stdout") }], {
          follow: false,
          isDone: () => Promise.resolve(true),
        });
        return;
      }
      if (options.follow === true) {
        for await (const line of followRayLogs(ray(), id, isDone, options.signal)) yield hideWrapper(line);
        return;
      }
      const lines = hideWrapper((await ray().logs(id)) ?? "").split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      yield* lines;
    },

    async cleanup(save: LogSaver): Promise<CleanupResult> {
      const logged = await ray().logs(id);
      if (logged === undefined) return { cleaned: false, message: "already deleted from Ray" };
      const text = hideWrapper(logged);
      save("stdout", text === "" || text.endsWith("\n") ? text : `${text}\n`);
      const deleted = await ray().delete(id);
      return deleted
        ? { cleaned: true, message: "deleted from Ray (log kept)" }
        : { cleaned: true, message: "already deleted from Ray (log kept)" };
    },
  };
}

function statusOf(details: RayJobDetails): JobStatus {
  return {
    state: rayState(details.status),
    raw: details.status,
    exitCode: details.driver_exit_code ?? undefined,
    reason: details.message ?? undefined,
  };
}
