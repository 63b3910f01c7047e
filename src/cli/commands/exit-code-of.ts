import type { JobStatus } from "../../job/job-state.ts";

/** The CLI's exit code for a finished job: 0 when it succeeded, 130 when cancelled, else its own code (or 1). */
export function exitCodeOf(status: JobStatus): number {
  if (status.state === "succeeded") return 0;
  if (status.state === "cancelled") return 130;
  return status.exitCode !== undefined && status.exitCode !== 0 ? status.exitCode : 1;
}
