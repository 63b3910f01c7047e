import type { JobState } from "../../job/job-state.ts";

/**
 * The local executor's native states and their unified meaning, in one table.
 * `exited` and `signalled` depend on whether a cancel was asked for; see {@link localState}.
 */
export const LOCAL_STATES = {
  starting: "pending",
  running: "running",
  "exited(0)": "succeeded",
  exited: "failed",
  signalled: "failed",
  vanished: "failed",
  cancelled: "cancelled",
  "time-limit": "failed",
  "not-started": "failed",
} as const satisfies Record<string, JobState>;

export type LocalRawState = keyof typeof LOCAL_STATES;

/**
 * Maps how the process ended to a raw local state: a cancel wins over the exit code it caused, and so does the time
 * limit (the watchdog's SIGTERM or SIGKILL ended it).
 *
 * @example
 * ```ts
 * localState({ exitCode: 143, cancelRequested: true, timeLimitReached: false }); // "cancelled"
 * localState({ exitCode: 143, cancelRequested: false, timeLimitReached: true }); // "time-limit"
 * ```
 */
export function localState(ended: {
  exitCode: number | undefined;
  cancelRequested: boolean;
  timeLimitReached: boolean;
}): LocalRawState {
  if (ended.cancelRequested) return "cancelled";
  if (ended.timeLimitReached) return "time-limit";
  if (ended.exitCode === undefined) return "vanished";
  if (ended.exitCode === 0) return "exited(0)";
  return ended.exitCode > 128 ? "signalled" : "exited";
}
