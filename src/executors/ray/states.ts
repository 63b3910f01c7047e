import type { JobState } from "../../job/job-state.ts";

/** Ray's five job statuses and their unified meaning. */
export const RAY_STATES = {
  PENDING: "pending",
  RUNNING: "running",
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  STOPPED: "cancelled",
} as const satisfies Record<string, JobState>;

/**
 * Maps a Ray status to a unified state; an unknown status becomes `unknown` (the raw value is kept by the caller).
 *
 * @example
 * ```ts
 * rayState("STOPPED"); // "cancelled"
 * ```
 */
export function rayState(status: string): JobState {
  return status in RAY_STATES ? RAY_STATES[status as keyof typeof RAY_STATES] : "unknown";
}
