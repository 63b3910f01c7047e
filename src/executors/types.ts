import type { ExecutorKind } from "../config/types.ts";
import type { JobStatus } from "../job/job-state.ts";
import type { CodePackage } from "../package/code-package.ts";

export { JOB_STATES, TERMINAL_STATES, type JobState, type JobStatus } from "../job/job-state.ts";

/**
 * Which log stream to read; `all` (the default) reads both.
 *
 * @example
 * ```ts
 * const stream: LogStream = "stderr";
 * for await (const line of job.logs({ stream })) console.error(line);
 * ```
 */
export type LogStream = "stdout" | "stderr" | "all";

/**
 * How {@link JobHandle.logs} reads: what is there now, or (`follow`) until the job ends or `signal` aborts.
 *
 * @example
 * ```ts
 * const options: LogOptions = { follow: true, stream: "stdout", signal: AbortSignal.timeout(60_000) };
 * for await (const line of job.logs(options)) console.log(line); // until the job ends, at most a minute
 * ```
 */
export interface LogOptions {
  /** Keep reading until the job ends (default false: what is there now). */
  readonly follow?: boolean;
  readonly stream?: LogStream;
  readonly signal?: AbortSignal;
  /** For a job array: which task's logs (default: the first index). */
  readonly index?: number;
}

/**
 * One line of a job's output, with the stream it was written to and, where the engine records it, when (ISO 8601).
 * {@link JobHandle.logEntries} yields them in write order where the engine keeps it (local, Docker, Ray's merged log).
 *
 * @example
 * ```ts
 * const entry: LogEntry = { stream: "stderr", line: "loss=0.31", time: "2026-12-04T18:56:23.120Z" };
 * ```
 */
export interface LogEntry {
  readonly stream: "stdout" | "stderr";
  readonly line: string;
  /** When the line was written (ISO 8601, UTC); absent where the engine keeps no times (Slurm, Ray, Kubernetes). */
  readonly time?: string;
}

/**
 * A submitted job: ask its status, read its logs, cancel it, wait for it. Works the same from the process that
 * launched the job and from any later one that reattached by id.
 *
 * @example
 * ```ts
 * for await (const line of job.logs({ follow: true })) console.log(line);
 * const { state, exitCode } = await job.wait();
 * ```
 */
export interface JobHandle {
  readonly id: string;
  readonly executor: ExecutorKind;
  /** The executor's own id (a pid, a Slurm job id, a container id, …). */
  readonly nativeId: string;
  status(): Promise<JobStatus>;
  logs(options?: LogOptions): AsyncIterable<string>;
  /**
   * The job's lines tagged with their stream (and time, where the engine has it), in write order where the engine
   * keeps it: local jobs and Docker do; Slurm keeps two files, read one after the other.
   */
  logEntries(options?: LogOptions): AsyncIterable<LogEntry>;
  /** Stops the job; a no-op for a job that already ended. Resolves to the status after cancelling. */
  cancel(): Promise<JobStatus>;
  /** Resolves when the job has ended. */
  wait(options?: { readonly signal?: AbortSignal }): Promise<JobStatus>;
}

/**
 * What `cleanup` did for one job.
 *
 * @example
 * ```ts
 * const result: CleanupResult = { cleaned: true, message: "removed container 3f2a9c1b7d0e (logs kept)" };
 * ```
 */
export interface CleanupResult {
  readonly cleaned: boolean;
  readonly message: string;
  /** Set when nothing was done because the job has not ended (a request to clean it up is then an error). */
  readonly active?: true;
}

/**
 * Things a job may ask for that an executor may not offer.
 *
 * @example
 * ```ts
 * const feature: Feature = "multi-node";
 * const why = executor.capabilities.unsupported[feature];
 * if (why !== undefined) console.log(`${executor.kind} cannot: ${why}`);
 * ```
 */
export type Feature =
  | "package"
  | "multi-node"
  | "torchrun"
  | "gpus"
  | "container-image"
  | "detach"
  | "reattach"
  | "array"
  | "dependencies"
  | "retries"
  | "time-limit"
  | "env-file"
  | "sweep-throttle";

/**
 * What an executor can do, as data: each unsupported feature maps to a human reason.
 *
 * @example
 * ```ts
 * const { unsupported } = executor.capabilities;
 * if (unsupported["multi-node"]) console.log(unsupported["multi-node"]);
 * ```
 */
export interface Capabilities {
  readonly unsupported: Readonly<Partial<Record<Feature, string>>>;
}

/**
 * An executor's native request, ready to submit. Plans are plain data without secrets revealed; each executor
 * extends this with its own fields.
 *
 * @example
 * ```ts
 * const { plan } = await dryRun({ name: "sft", command: ["python", "train.py"] }, { executor: "local" });
 * const base: Plan = plan;
 * console.log(base.executor, base.jobId); // "local" "sft-k3j9x2"
 * console.log(JSON.stringify(plan)); // plain data; a secret shows as "***"
 * ```
 */
export interface Plan {
  readonly executor: ExecutorKind;
  readonly jobId: string;
}

/**
 * How {@link Executor.submit} starts a job; `launch()` passes its own `detach` option here.
 *
 * @example
 * ```ts
 * const options: SubmitOptions = { detach: true };
 * const job = await launch(recipe, { profile: "gpu0", ...options }); // submits with { detach: true }
 * ```
 */
export interface SubmitOptions {
  /** Let the launching process exit while the job goes on (default: the process stays until the job ends). */
  readonly detach?: boolean;
  /** The packed code the plan's `job.code` describes (the core packs it before planning); absent with `none`. */
  readonly code?: CodePackage;
}
