import type { JobState, JobStatus } from "../types.ts";
import { TERMINAL_STATES } from "../types.ts";
import { slurmBlocked, slurmState } from "./states.ts";

/** A tracked Slurm job as the status query needs it. */
export interface SlurmJobRef {
  readonly nativeId: string;
  /** Absolute job directory on the cluster (holds `exit-code`, or `exit-code-<index>` per array task). */
  readonly jobDir: string;
  /** Array task indices, or `undefined` for a single job. */
  readonly arrayIndices: readonly number[] | undefined;
}

/** One line of `squeue -r -o '%i|%T|%r'`. */
export interface QueueEntry {
  readonly state: string;
  readonly reason: string;
}

/**
 * The squeue format of the batched status command. `-r` lists every array task on its own line (`123_4`).
 *
 * @example
 * ```ts
 * `squeue -h -t all --me -r -o ${SQUEUE_FORMAT}`;
 * ```
 */
export const SQUEUE_FORMAT = "'%i|%T|%r'";

/**
 * Parses `squeue -h -r -o '%i|%T|%r'` into entries by job id (`123`, or `123_4` for an array task).
 *
 * @example
 * ```ts
 * parseQueue("42|RUNNING|None\n43_0|PENDING|Resources\n").get("43_0"); // { state: "PENDING", reason: "Resources" }
 * ```
 */
export function parseQueue(text: string): Map<string, QueueEntry> {
  const entries = new Map<string, QueueEntry>();
  for (const line of text.split("\n")) {
    const [id, state, ...reason] = line.trim().split("|");
    if (id === undefined || id === "" || state === undefined) continue;
    entries.set(id, { state, reason: reason.join("|") });
  }
  return entries;
}

/**
 * Parses `grep -H . <dir>/exit-code*` output into exit codes by file path.
 *
 * @example
 * ```ts
 * parseExitCodes("/home/me/j/a/exit-code:0\n").get("/home/me/j/a/exit-code"); // 0
 * ```
 */
export function parseExitCodes(text: string): Map<string, number> {
  const codes = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(.*):(\d+)$/.exec(line.trim());
    if (match?.[1] !== undefined) codes.set(match[1], Number(match[2]));
  }
  return codes;
}

/**
 * The exit-code files worth reading for a job: those of tasks squeue no longer lists or lists as ended. A job that
 * is pending or running needs none, so polling live jobs costs only the squeue.
 *
 * @example
 * ```ts
 * exitCodePaths(ref, parseQueue("42|COMPLETED|None")); // ["/h/j/a/exit-code"]
 * ```
 */
export function exitCodePaths(ref: SlurmJobRef, queue: ReadonlyMap<string, QueueEntry>): string[] {
  const ended = (id: string): boolean => {
    const entry = queue.get(id);
    return entry === undefined || TERMINAL_STATES.has(slurmState(entry.state).state);
  };
  if (ref.arrayIndices === undefined) return ended(ref.nativeId) ? [`${ref.jobDir}/exit-code`] : [];
  return ref.arrayIndices
    .filter((index) => ended(`${ref.nativeId}_${index}`))
    .map((index) => `${ref.jobDir}/exit-code-${index}`);
}

/** The reason of a job Slurm stopped at its `--time` (state TIMEOUT). */
export const TIMEOUT_REASON = "time limit reached (--time): Slurm stopped the job";

/** One task's (or a single job's) status from what squeue and the job directory say; `undefined` if neither knows. */
function taskStatus(entry: QueueEntry | undefined, exitCode: number | undefined): JobStatus | undefined {
  if (entry !== undefined) {
    const { state, name } = slurmState(entry.state);
    const given = entry.reason === "" || entry.reason === "None" ? undefined : entry.reason;
    // The same words as every other executor's for a job stopped at its time limit (Slurm says "TimeLimit").
    const reason = name === "TIMEOUT" ? TIMEOUT_REASON : given;
    const blocked = state === "pending" ? slurmBlocked(reason) : undefined;
    return {
      state,
      raw: name,
      exitCode: TERMINAL_STATES.has(state) ? exitCode : undefined,
      reason,
      ...(blocked === undefined ? {} : { blocked }),
    };
  }
  if (exitCode === undefined) return undefined;
  return {
    state: exitCode === 0 ? "succeeded" : "failed",
    raw: exitCode === 0 ? "COMPLETED" : "FAILED",
    exitCode,
    reason: "finished; slurmctld has forgotten it, the exit code is from the job directory",
  };
}

/**
 * Each array task's status from one squeue listing and the exit codes in the job directory, by task index; a task
 * still inside a pending block (`123_[2-15%4]`) is pending, one neither source knows is `unknown`.
 *
 * @example
 * ```ts
 * taskStatuses({ nativeId: "42", jobDir: "/j/a", arrayIndices: [0, 1] }, parseQueue("42_0|RUNNING|None"), new Map());
 * // Map { 0 => { state: "running", … }, 1 => { state: "unknown", … } }
 * ```
 */
export function taskStatuses(
  ref: SlurmJobRef,
  queue: ReadonlyMap<string, QueueEntry>,
  exitCodes: ReadonlyMap<string, number>,
): Map<number, JobStatus> {
  const pendingBlock = [...queue.keys()].some((id) => id.startsWith(`${ref.nativeId}_[`));
  return new Map(
    (ref.arrayIndices ?? []).map((index) => [
      index,
      taskStatus(queue.get(`${ref.nativeId}_${index}`), exitCodes.get(`${ref.jobDir}/exit-code-${index}`)) ??
        (pendingBlock
          ? { state: "pending", raw: "PENDING", exitCode: undefined, reason: "waiting in the array's queue" }
          : {
              state: "unknown",
              raw: "",
              exitCode: undefined,
              reason: "neither squeue nor the job directory knows this task",
            }),
    ]),
  );
}

/**
 * A tracked job's status from one batched squeue listing and the exit codes found in job directories; for an array,
 * the tasks' states combined (running if any runs, pending if any waits, else failed if any failed, cancelled if
 * any was cancelled, else succeeded). `undefined` when neither source knows the job (it left slurmctld's memory
 * without writing an exit code): the caller may ask sacct.
 *
 * @example
 * ```ts
 * jobStatus({ nativeId: "42", jobDir: "/j/a", arrayIndices: undefined }, parseQueue(q), parseExitCodes(e));
 * ```
 */
export function jobStatus(
  ref: SlurmJobRef,
  queue: ReadonlyMap<string, QueueEntry>,
  exitCodes: ReadonlyMap<string, number>,
): JobStatus | undefined {
  if (ref.arrayIndices === undefined) {
    return taskStatus(queue.get(ref.nativeId), exitCodes.get(`${ref.jobDir}/exit-code`));
  }
  const tasks = ref.arrayIndices.map((index) =>
    taskStatus(queue.get(`${ref.nativeId}_${index}`), exitCodes.get(`${ref.jobDir}/exit-code-${index}`)),
  );
  // A pending array may still be listed as one line, `123_[2-15%4]`, even with -r on some versions.
  const pendingBlock = [...queue.keys()].some((id) => id.startsWith(`${ref.nativeId}_[`));
  const known = tasks.filter((task): task is JobStatus => task !== undefined);
  if (known.length === 0 && !pendingBlock) return undefined;
  const count = (state: JobState) => known.filter((task) => task.state === state).length;
  const summary = (["running", "pending", "failed", "cancelled", "succeeded", "unknown"] as const)
    .map((state) => [state, count(state)] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(", ");
  const missing = tasks.length - known.length;
  const raw = `array ${summary}${missing > 0 ? `, ${missing} not listed` : ""}`;
  const failedCode = known.find((task) => task.state === "failed")?.exitCode;
  const state: JobState =
    count("running") > 0
      ? "running"
      : count("pending") > 0 || pendingBlock
        ? "pending"
        : missing > 0
          ? "unknown"
          : count("failed") > 0
            ? "failed"
            : count("cancelled") > 0
              ? "cancelled"
              : count("unknown") > 0
                ? "unknown"
                : "succeeded";
  // An array waits for ever when every task still waiting waits for a reason that cannot resolve.
  const waiting = known.filter((task) => task.state === "pending");
  const blocked =
    state === "pending" &&
    !pendingBlock &&
    waiting.length > 0 &&
    waiting.every((task) => task.blocked !== undefined)
      ? waiting[0]
      : undefined;
  return {
    state,
    raw,
    exitCode: state === "succeeded" ? 0 : state === "failed" ? failedCode : undefined,
    reason: blocked?.reason,
    ...(blocked?.blocked === undefined ? {} : { blocked: blocked.blocked }),
  };
}
