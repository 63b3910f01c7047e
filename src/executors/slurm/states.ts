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

/**
 * Pending reasons (`squeue %r`) that waiting cannot resolve, each with what to change. A job pending for one of
 * them is reported as blocked at once, and a foreground launch with `--fail-fast` cancels it instead of waiting.
 */
export const SLURM_BLOCKING_REASONS: Readonly<Record<string, string>> = {
  // Set at submit when the request breaks a partition limit; the next scheduling pass names the limit.
  PartitionConfig:
    "the job asks for more than its partition offers (nodes, time, …); ask for less or use another partition",
  PartitionNodeLimit:
    "the job asks for more nodes than its partition has or allows; ask for fewer (--nodes) or use another partition",
  PartitionTimeLimit:
    "the job's time limit is longer than its partition allows; ask for less time or use another partition",
  PartitionDown: "the partition is down; use another partition or ask the cluster's admins",
  ReqNodeNotAvail:
    "the nodes the job needs are down, drained or reserved; use another partition or ask the cluster's admins",
  InvalidAccount:
    "the account does not exist or you are not in it; check account in the profile (sacctmgr show assoc)",
  InvalidQOS:
    "the QOS does not exist or the account may not use it; check qos in the profile (sacctmgr show qos)",
  BadConstraints:
    "no node has the features the job asks for; check constraint in the profile (sinfo -o '%N %f')",
};

/**
 * What to change when a pending reason cannot resolve by waiting; `undefined` for reasons that can (Priority,
 * Resources, Dependency, …). Slurm adds detail after a comma: `ReqNodeNotAvail, UnavailableNodes:c[1-3]`.
 *
 * @example
 * ```ts
 * slurmBlocked("PartitionNodeLimit"); // "the job asks for more nodes than its partition has or allows; …"
 * slurmBlocked("Priority"); // undefined
 * ```
 */
export function slurmBlocked(reason: string | undefined): string | undefined {
  const word = (reason ?? "").split(",")[0]?.trim() ?? "";
  return Object.hasOwn(SLURM_BLOCKING_REASONS, word) ? SLURM_BLOCKING_REASONS[word] : undefined;
}
