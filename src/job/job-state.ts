/**
 * Unified job states; every executor maps its native states onto these through one table.
 *
 * @example
 * ```ts
 * const jobs = await listJobs();
 * for (const state of JOB_STATES) console.log(state, jobs.filter((j) => j.status.state === state).length);
 * ```
 */
export const JOB_STATES = ["pending", "running", "succeeded", "failed", "cancelled", "unknown"] as const;

/**
 * One of {@link JOB_STATES}: where a job stands, whatever its executor.
 *
 * @example
 * ```ts
 * const state: JobState = (await job.status()).state;
 * if (state === "unknown") console.warn("the executor could not be asked; try again later");
 * ```
 */
export type JobState = (typeof JOB_STATES)[number];

/**
 * States after which a job never changes again.
 *
 * @example
 * ```ts
 * const { state } = await job.status();
 * if (!TERMINAL_STATES.has(state)) await job.cancel();
 * ```
 */
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Where a job stands. `raw` keeps the executor's own word for it (a Slurm state, a container status, …).
 *
 * @example
 * ```ts
 * const s = await job.status();
 * if (s.state === "failed") console.error(`exit ${s.exitCode}: ${s.reason}`);
 * ```
 */
export interface JobStatus {
  readonly state: JobState;
  readonly raw: string;
  readonly exitCode: number | undefined;
  readonly reason: string | undefined;
  /**
   * Set on a pending status whose reason cannot resolve by waiting (more nodes than the partition has, an account
   * that does not exist, more resources than any node of the cluster offers): what to change, as a hint.
   */
  readonly blocked?: string | undefined;
}

/** Whether a status is final: succeeded, failed or cancelled. */
export function isTerminal(status: Pick<JobStatus, "state">): boolean {
  return TERMINAL_STATES.has(status.state);
}
