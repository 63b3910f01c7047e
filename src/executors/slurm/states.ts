import type { JobState, JobStatus } from "../types.ts";

/**
 * Slurm's job states (`squeue` codes and names, `man squeue` "JOB STATE CODES") and their unified meaning, in one
 * table. Requeue-like states count as pending: the job will run again. PREEMPTED is failed unless the job requeues,
 * in which case Slurm reports REQUEUED instead.
 */
export const SLURM_STATES = {
  PENDING: "pending",
  CONFIGURING: "pending",
  REQUEUED: "pending",
  REQUEUE_FED: "pending",
  REQUEUE_HOLD: "pending",
  RESIZING: "pending",
  SUSPENDED: "pending",
  RUNNING: "running",
  COMPLETING: "running",
  SIGNALING: "running",
  STAGE_OUT: "running",
  STOPPED: "running",
  COMPLETED: "succeeded",
  CANCELLED: "cancelled",
  BOOT_FAIL: "failed",
  DEADLINE: "failed",
  FAILED: "failed",
  NODE_FAIL: "failed",
  OUT_OF_MEMORY: "failed",
  PREEMPTED: "failed",
  REVOKED: "failed",
  SPECIAL_EXIT: "failed",
  TIMEOUT: "failed",
  RESV_DEL_HOLD: "pending",
} as const satisfies Record<string, JobState>;

/** `squeue`'s short codes for the states above. */
const CODES: Readonly<Record<string, keyof typeof SLURM_STATES>> = {
  BF: "BOOT_FAIL",
  CA: "CANCELLED",
  CD: "COMPLETED",
  CF: "CONFIGURING",
  CG: "COMPLETING",
  DL: "DEADLINE",
  F: "FAILED",
  NF: "NODE_FAIL",
  OOM: "OUT_OF_MEMORY",
  PD: "PENDING",
  PR: "PREEMPTED",
  R: "RUNNING",
  RD: "RESV_DEL_HOLD",
  RF: "REQUEUE_FED",
  RH: "REQUEUE_HOLD",
  RQ: "REQUEUED",
  RS: "RESIZING",
  RV: "REVOKED",
  SI: "SIGNALING",
  SE: "SPECIAL_EXIT",
  SO: "STAGE_OUT",
  ST: "STOPPED",
  S: "SUSPENDED",
  TO: "TIMEOUT",
};

/**
 * Maps a state as Slurm prints it — a name, a short code, or sacct's `CANCELLED by 1000` / `CANCELLED+` — to a
 * unified state and the normalised Slurm name. Anything unknown is `unknown`, never an error.
 *
 * @example
 * ```ts
 * slurmState("CANCELLED by 1000"); // { state: "cancelled", name: "CANCELLED" }
 * slurmState("CD"); // { state: "succeeded", name: "COMPLETED" }
 * ```
 */
export function slurmState(raw: string): { state: JobState; name: string } {
  const word = (raw.trim().split(/\s+/)[0] ?? "").replace(/\+$/, "").toUpperCase();
  const name = CODES[word] ?? word;
  const state = name in SLURM_STATES ? SLURM_STATES[name as keyof typeof SLURM_STATES] : "unknown";
  return { state, name };
}

/**
 * The end of a job that Slurm no longer lists and that left no exit code (the batcher's raw `gone`: its directory
 * was removed, or slurmctld forgot it before anyone looked and there is no accounting): a terminal status, so that
 * `wait()` ends. Cancelled when a cancel was asked for (a job cancelled while pending never ran its script), else
 * failed; the reason says what is known. Any other status is returned as it is.
 *
 * @example
 * ```ts
 * goneAsEnded({ state: "unknown", raw: "gone", exitCode: undefined, reason: "…" }, false).state; // "failed"
 * ```
 */
export function goneAsEnded(status: JobStatus, cancelRequested: boolean): JobStatus {
  if (status.raw !== "gone") return status;
  return { ...status, state: cancelRequested ? "cancelled" : "failed", exitCode: undefined };
}
