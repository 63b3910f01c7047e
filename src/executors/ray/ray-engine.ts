import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { slurmTimeSeconds } from "../../config/slurm-time.ts";
import { isTerminal, type JobStatus } from "../../job/job-state.ts";
import { timeLimitReason, withAttempt } from "../attempt-reason.ts";
import { reachedTimeLimit } from "../time-limit-shell.ts";
import { attemptId, attemptSeparator, RayAttempts } from "./ray-attempts.ts";
import type { JobFiles } from "../../store/job-files.ts";
import type { JobEngine, LogSaver } from "../executor-module.ts";
import { tailFiles } from "../tail-file.ts";
import type { CleanupResult, LogOptions } from "../types.ts";
import type { RayClient, RayJobDetails } from "./ray-client.ts";
import { secretsPrefix, timeLimitPrefix } from "./plan.ts";
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
 * How a ray job may run more than once, and for how long: its `retries` and its time limit as written.
 *
 * @example
 * ```ts
 * const runs: RayRuns = { retries: 2, timeLimit: "04:00:00" };
 * ```
 */
export interface RayRuns {
  readonly retries: number;
  readonly timeLimit: string | undefined;
}

/**
 * A ray job's engine over the Jobs REST API: status from `GET /api/jobs/{id}` (Ray's status through `states.ts`,
 * its message as the reason, the driver's exit code), stop as `POST …/stop`, logs from Ray (stdout and stderr
 * merged, so all of it is `stdout`), cleanup as "save the log, then `DELETE` the job". `client` is called when a
 * request is first made, so a token read from the job's profile is read only then.
 *
 * With `retries`, the status is the latest attempt's ({@link RayAttempts}): a failed attempt is submitted again as
 * `<id>-r1`, `<id>-r2`, … by the probe that sees it fail, in whichever process follows the job, unless a cancel
 * was asked for or the time limit stopped it; the logs are every attempt's, one after the other. A job stopped by
 * the watchdog of its time limit fails with that reason.
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
  runs: RayRuns = { retries: 0, timeLimit: undefined },
): JobEngine {
  let connected: RayClient | undefined;
  const ray = (): RayClient => (connected ??= client());
  const attempts = new RayAttempts(id, runs.retries + 1, ray);
  const limit =
    runs.timeLimit === undefined
      ? undefined
      : { text: runs.timeLimit, seconds: slurmTimeSeconds(runs.timeLimit) };
  // Whether the watchdog stopped an attempt: its line is in the log tail of Ray's message, else in the whole log.
  const stoppedAtLimit = async (details: RayJobDetails): Promise<boolean> =>
    limit !== undefined &&
    (reachedTimeLimit(details.message ?? "") || reachedTimeLimit((await ray().logs(attempts.id)) ?? ""));
  // Asked once per engine, the first time the job is seen pending: whether any node can ever hold the entrypoint.
  let unmet: Promise<string | undefined> | undefined;
  const blockedBy = (): Promise<string | undefined> =>
    (unmet ??= ray()
      .nodeResources()
      .then((nodes) => unmetDemand(demand, nodes))
      .catch(() => undefined));
  // Ray logs the whole entrypoint ("Running entrypoint for job …: <entrypoint>"): show the job's command, not the
  // wrappers that load its secrets and keep its time limit.
  const wrappers = [
    `${secretsPrefix(id, runs.retries > 0)} `,
    ...(limit === undefined ? [] : [timeLimitPrefix(limit)]),
  ];
  const hideWrapper = (text: string): string =>
    wrappers.reduce((shown, wrapper) => shown.replaceAll(wrapper, ""), text);
  /** The log of one attempt as lines, what Ray has now. */
  async function* linesOf(submissionId: string): AsyncGenerator<string> {
    const lines = hideWrapper((await ray().logs(submissionId)) ?? "").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    yield* lines;
  }

  /**
   * Every attempt's log, each after a separator line. Following, an attempt is followed until it ends; then the job
   * has ended (the rest is read once), or the next attempt comes: `isDone` asks the probe, which submits it.
   */
  async function* attemptLogs(options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<string> {
    if ((await attempts.latest()) === undefined) {
      yield* tailFiles([{ path: files.log("stdout") }], {
        follow: false,
        isDone: () => Promise.resolve(true),
      });
      return;
    }
    for (let n = 1; ; n++) {
      if (n > 1) yield attemptSeparator(id, n, attempts.total);
      const runId = attemptId(id, n);
      if (options.follow !== true || n < attempts.current) {
        yield* linesOf(runId);
      } else {
        const ended = async (): Promise<boolean> => {
          const run = await ray().getJob(runId);
          return run === undefined || isTerminal({ state: rayState(run.status) });
        };
        for await (const line of followRayLogs(ray(), runId, ended, options.signal)) yield hideWrapper(line);
        while (options.signal?.aborted !== true && attempts.current === n && !(await isDone()))
          await sleep(500, undefined, { signal: options.signal }).catch(() => undefined);
        // The job may have gone on meanwhile (another process submitted the next attempt): find the latest.
        if (attempts.current === n) await attempts.latest();
      }
      if (n >= attempts.current || options.signal?.aborted === true) return;
    }
  }

  /** Saves every attempt's log as one, each after a separator line, then deletes the attempts from Ray. */
  async function cleanupAttempts(save: LogSaver): Promise<CleanupResult> {
    if ((await attempts.latest()) === undefined)
      return { cleaned: false, message: "already deleted from Ray" };
    const texts: string[] = [];
    for (let n = 1; n <= attempts.current; n++) {
      const logged = await ray().logs(attemptId(id, n));
      if (logged === undefined) continue;
      const text = hideWrapper(logged);
      if (n > 1) texts.push(`${attemptSeparator(id, n, attempts.total)}\n`);
      texts.push(text === "" || text.endsWith("\n") ? text : `${text}\n`);
    }
    save("stdout", texts.join(""));
    for (let n = 1; n <= attempts.current; n++) await ray().delete(attemptId(id, n));
    const what = attempts.current === 1 ? "" : ` ${attempts.current} attempts`;
    return { cleaned: true, message: `deleted${what} from Ray (log kept)` };
  }

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
      const details = await attempts.latest();
      if (details === undefined) return DELETED_STATUS;
      const status = statusOf(details);
      if (status.state === "failed") {
        if (await stoppedAtLimit(details)) return { ...status, reason: timeLimitReason(limit?.text) };
        const retriesLeft = attempts.current < attempts.total;
        // Cancelled between two attempts: the job ends there, as a cancel (the failed attempt is in the reason).
        if (retriesLeft && existsSync(files.cancelRequested)) {
          const reason = `cancelled after attempt ${attempts.current} of ${attempts.total} failed`;
          return { ...status, state: "cancelled", reason };
        }
        if (retriesLeft && (await attempts.submitNext(details, limit))) {
          const before = `attempt ${attempts.current - 1} exited with code ${status.exitCode ?? "?"}`;
          const pending = { state: "pending", raw: "PENDING", exitCode: undefined, reason: before } as const;
          return withAttempt(pending, attempts.current, attempts.total);
        }
      }
      const counted = withAttempt(status, attempts.current, attempts.total);
      if (status.state !== "pending" || Object.keys(demand).length === 0) return counted;
      const blocked = await blockedBy();
      return blocked === undefined ? counted : { ...counted, blocked };
    },

    async stop(): Promise<void> {
      // Ray answers `stopped: false` for a job that already ended, 404 for one it no longer knows: nothing to do.
      if (attempts.total > 1) await attempts.latest();
      await ray().stop(attempts.id);
    },

    async *logs(options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<string> {
      // Ray merges the job's stderr into its one log, shown as stdout.
      if (options.stream === "stderr") return;
      if (attempts.total > 1) {
        yield* attemptLogs(options, isDone);
        return;
      }
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
      if (attempts.total > 1) return cleanupAttempts(save);
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
