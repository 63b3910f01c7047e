import type { JobStatus } from "../job/job-state.ts";

/**
 * A status with the attempt it describes added to its reason, for a job that may run more than once (`retries`):
 * `attempt 2 of 3` while it runs or waits, `exited with code 4 (attempt 3 of 3)` once its retries are spent,
 * `succeeded on attempt 2 of 3` after a retry. A job with one attempt, a cancelled job and an unknown status are left
 * as they are. The same words on every executor.
 *
 * @example
 * ```ts
 * const running = { state: "running", raw: "running", exitCode: undefined, reason: undefined } as const;
 * withAttempt(running, 2, 3).reason; // "attempt 2 of 3"
 * ```
 */
export function withAttempt(status: JobStatus, attempt: number, attempts: number): JobStatus {
  if (attempts <= 1) return status;
  const where = `attempt ${attempt} of ${attempts}`;
  switch (status.state) {
    case "pending":
    case "running":
      return { ...status, reason: status.reason === undefined ? where : `${status.reason} (${where})` };
    case "failed":
      return { ...status, reason: `${status.reason ?? "failed"} (${where})` };
    case "succeeded":
      return attempt > 1 ? { ...status, reason: `succeeded on ${where}` } : status;
    case "cancelled":
    case "unknown":
      return status;
  }
}

/**
 * The reason of a job stopped at its time limit, with the limit as written.
 *
 * @example
 * ```ts
 * timeLimitReason("04:00:00"); // "time limit reached (04:00:00)"
 * ```
 */
export function timeLimitReason(limit: string | undefined): string {
  return `time limit reached${limit === undefined ? "" : ` (${limit})`}`;
}
