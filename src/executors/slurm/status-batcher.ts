import { shq } from "../../shell-quote.ts";
import type { CommandRunner } from "../../transport/command-runner.ts";
import type { JobStatus } from "../types.ts";
import { TERMINAL_STATES } from "../types.ts";
import {
  exitCodePaths,
  jobStatus,
  parseExitCodes,
  parseQueue,
  SQUEUE_FORMAT,
  type QueueEntry,
  type SlurmJobRef,
  taskStatuses,
  TIMEOUT_REASON,
} from "./queue-status.ts";
import { JOB_FILES } from "./script.ts";
import { slurmState } from "./states.ts";

interface Waiter {
  readonly ref: SlurmJobRef;
  readonly resolve: (status: JobStatus) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Answers status questions for many jobs on one cluster with one round trip: every `status()` asked in the same
 * turn of the event loop joins one `squeue` for all of the user's jobs (all states, array tasks expanded). Jobs
 * that ended then have the exit codes their scripts wrote read in one more command (`scontrol show job` gives the
 * code of one killed before its script could write it); jobs neither source knows are asked of `sacct` once, if the
 * cluster has accounting.
 *
 * @example
 * ```ts
 * const batcher = statusBatcher(transport);
 * const [a, b] = await Promise.all([batcher.status(refA), batcher.status(refB)]); // one squeue
 * ```
 */
export class StatusBatcher {
  readonly #transport: CommandRunner;
  #waiting: Waiter[] = [];
  /** Unknown until sacct was tried once; `false` when the cluster has no accounting storage. */
  #accounting: boolean | undefined;

  constructor(transport: CommandRunner) {
    this.#transport = transport;
  }

  status(ref: SlurmJobRef): Promise<JobStatus> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => void this.#flush());
      this.#waiting.push({ ref, resolve, reject });
    });
  }

  /**
   * Each task of an array job, by index: one `squeue` for that job, then one read of the exit codes of the tasks
   * that ended.
   */
  async tasks(ref: SlurmJobRef): Promise<Map<number, JobStatus>> {
    const result = await this.#transport.run(
      `squeue -h -t all --me -r -j ${shq(ref.nativeId)} -o ${SQUEUE_FORMAT} 2>/dev/null; true`,
    );
    const queue = parseQueue(result.stdout);
    const paths = exitCodePaths(ref, queue).map(shq);
    const exitCodes =
      paths.length === 0
        ? new Map<string, number>()
        : parseExitCodes((await this.#transport.run(`grep -sH . ${paths.join(" ")}; true`)).stdout);
    return taskStatuses(ref, queue, exitCodes);
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    try {
      const statuses = await this.#query(batch.map((waiter) => waiter.ref));
      batch.forEach((waiter, i) => {
        waiter.resolve(statuses[i] ?? gone(waiter.ref, "no answer"));
      });
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }

  async #query(refs: readonly SlurmJobRef[]): Promise<JobStatus[]> {
    const result = await this.#transport.run(`squeue -h -t all --me -r -o ${SQUEUE_FORMAT}`);
    const queue = result.exitCode === 0 ? parseQueue(result.stdout) : new Map<string, QueueEntry>();
    // Only jobs that ended (or left squeue) need their exit codes: a second, rarer round trip. The same command
    // removes the secrets files of single jobs that ended: their script's trap does that, unless the job was killed
    // before it could run (a node failure, SIGKILL).
    const ended = refs
      .map((ref) => ({ ref, paths: exitCodePaths(ref, queue) }))
      .filter((e) => e.paths.length > 0);
    const paths = [...new Set(ended.flatMap((e) => e.paths))].map(shq);
    const secrets =
      result.exitCode === 0
        ? ended
            .filter((e) => e.ref.arrayIndices === undefined)
            .map((e) => shq(`${e.ref.jobDir}/${JOB_FILES.secrets}`))
        : [];
    const command = `grep -sH . ${paths.join(" ")}; ${secrets.length === 0 ? "" : `rm -f ${secrets.join(" ")}; `}true`;
    const exitCodes =
      paths.length === 0
        ? new Map<string, number>()
        : parseExitCodes((await this.#transport.run(command)).stdout);
    const statuses = await this.#withScontrolExitCodes(
      refs,
      refs.map((ref) => jobStatus(ref, queue, exitCodes)),
    );
    const missing = refs.filter((_, i) => statuses[i] === undefined);
    const fromSacct = missing.length > 0 ? await this.#sacct(missing) : new Map<string, JobStatus>();
    const squeueError =
      result.exitCode === 0 ? undefined : firstLine(result.stderr) || `exit ${result.exitCode}`;
    return refs.map(
      (ref, i) =>
        statuses[i] ??
        fromSacct.get(ref.nativeId) ??
        (squeueError === undefined
          ? gone(
              ref,
              this.#accounting === false ? "the cluster has no accounting (sacct)" : "sacct has no record",
            )
          : {
              state: "unknown",
              raw: "squeue failed",
              exitCode: undefined,
              reason: `squeue failed on ${this.#transport.label}: ${squeueError}`,
            }),
    );
  }

  /**
   * Ended jobs whose script wrote no exit code (killed before its trap ran, e.g. by a node failure) get the one
   * slurmctld recorded, from `scontrol show job`, while it still remembers them.
   */
  async #withScontrolExitCodes(
    refs: readonly SlurmJobRef[],
    statuses: readonly (JobStatus | undefined)[],
  ): Promise<(JobStatus | undefined)[]> {
    const ids = refs
      .filter((ref, i) => {
        const status = statuses[i];
        return (
          ref.arrayIndices === undefined &&
          status?.exitCode === undefined &&
          TERMINAL_STATES.has(status?.state ?? "unknown")
        );
      })
      .map((ref) => ref.nativeId);
    if (ids.length === 0) return [...statuses];
    const { stdout } = await this.#transport.run(
      `for id in ${ids.map(shq).join(" ")}; do scontrol -o show job "$id"; done 2>/dev/null; true`,
    );
    const codes = new Map<string, { code: number; signal: number }>();
    for (const line of stdout.split("\n")) {
      const match = /^JobId=(\d+) .*\bExitCode=(\d+):(\d+)/.exec(line);
      if (match?.[1] !== undefined) codes.set(match[1], { code: Number(match[2]), signal: Number(match[3]) });
    }
    return statuses.map((status, i) => {
      const found = codes.get(refs[i]?.nativeId ?? "");
      if (status === undefined || found === undefined || status.exitCode !== undefined) return status;
      return {
        ...status,
        exitCode: found.code,
        reason: found.signal === 0 ? status.reason : `killed by signal ${found.signal}`,
      };
    });
  }

  /** States of jobs slurmctld forgot, from the accounting database; none when the cluster has none. */
  async #sacct(refs: readonly SlurmJobRef[]): Promise<Map<string, JobStatus>> {
    const found = new Map<string, JobStatus>();
    if (this.#accounting === false) return found;
    const ids = refs.map((ref) => ref.nativeId).join(",");
    const result = await this.#transport.run(`sacct -n -P -X -j ${shq(ids)} -o JobID,State,ExitCode`);
    if (result.exitCode !== 0) {
      if (/accounting storage is disabled/i.test(result.stderr)) this.#accounting = false;
      return found;
    }
    this.#accounting = true;
    for (const line of result.stdout.split("\n")) {
      const [id, state, exit] = line.trim().split("|");
      if (id === undefined || state === undefined || id.includes("_")) continue;
      const mapped = slurmState(state);
      const code = exit === undefined ? undefined : Number(exit.split(":")[0]);
      found.set(id, {
        state: mapped.state,
        raw: mapped.name,
        exitCode: code === undefined || Number.isNaN(code) ? undefined : code,
        reason: mapped.name === "TIMEOUT" ? `${TIMEOUT_REASON} (from sacct)` : "from sacct",
      });
    }
    return found;
  }
}

function gone(ref: SlurmJobRef, why: string): JobStatus {
  return {
    state: "unknown",
    raw: "gone",
    exitCode: undefined,
    reason: `Slurm job ${ref.nativeId} is no longer listed by squeue and wrote no exit code to ${ref.jobDir}; ${why}`,
  };
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

const batchers = new WeakMap<CommandRunner, StatusBatcher>();

/**
 * The one {@link StatusBatcher} of a transport, so every handle on that cluster shares its round trips.
 *
 * @example
 * ```ts
 * await statusBatcher(transport).status({ nativeId: "42", jobDir: "/home/me/.slipway/jobs/a", arrayIndices: undefined });
 * ```
 */
export function statusBatcher(transport: CommandRunner): StatusBatcher {
  let batcher = batchers.get(transport);
  if (batcher === undefined) {
    batcher = new StatusBatcher(transport);
    batchers.set(transport, batcher);
  }
  return batcher;
}
