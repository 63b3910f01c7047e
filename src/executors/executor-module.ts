/**
 * # The executor contract
 *
 * An executor is a folder under `src/executors/<kind>/` whose `module.ts` exports one {@link ExecutorModule}. The
 * core (`launch`, `getJob`, `listJobs`, `slipway cleanup`, `slipway doctor`) reaches executors only through that
 * module, found in the typed lazy map of `registry.ts`. The life of a job:
 *
 * 1. **Plan** — `create(profile, tracking, context)` gives an {@link Executor}; `plan(job)` turns a job into the
 *    engine's native request. Pure: no I/O, clock or randomness. `render(plan)` prints it with secrets as `***`;
 *    that *is* the dry run.
 * 2. **Record** — the core writes the job record (state `pending`, raw `submitting`, the rendered plan, the
 *    launching process) before anything reaches the engine. Executors never write records.
 * 3. **Submit** — `submit(plan)` starts the job and returns data ({@link Submitted}): the native id, the first
 *    status, and the `detail` the record must keep to find the job again from another process. The core stores it.
 *    A submit whose answer was lost must be safe to retry: the engine-side name is the slipway id.
 * 4. **Track** — `engine(job, context)` rebuilds a small {@link JobEngine} from a record's `detail` (parsed with
 *    the module's `detail` schema) in any process. One handle implementation (`tracked-handle.ts`) gives every
 *    executor the same `status`/`wait`/`cancel`/`logs`: it asks {@link JobEngine.probe}, stores the first terminal
 *    status once and never asks again, backs off by {@link PollPolicy}, stops with {@link JobEngine.stop} and
 *    gives up confirming a cancel after {@link PollPolicy.cancelDeadlineMs}. `wait()` and a log follow ride out an
 *    engine that cannot be reached (`ENGINE_UNREACHABLE`: a scheduler or API server restarting) for up to five
 *    minutes once it has answered about the job; `status()` reports such an outage at once.
 * 5. **Clean up** — {@link JobEngine.cleanup} frees what a finished job still holds on the engine after saving its
 *    logs through the {@link LogSaver}; the core then marks the record cleaned and serves logs from the store.
 * 6. **Check** — `check(profile, context)` is `slipway doctor`'s line for a profile; it never throws.
 *
 * ## Adding an executor
 * 1. Its profile: a zod schema in `src/config/<kind>-profile-schema.ts`, the typed resolved profile in
 *    `src/config/types.ts` (a branch of `ResolvedProfile`) with every default filled in by `resolve-profile.ts`.
 * 2. Its folder: `plan.ts` (pure) and `render.ts`, `states.ts` (one table from native states to `JobState`, unknown
 *    values to `unknown` with the raw value kept), an engine (`probe`, `stop`, `logs`, optionally `cleanup` and
 *    `changed`), and `module.ts` exporting the module with its capabilities and `detail` schema.
 * 3. One line in `registry.ts` (a missing kind is a compile error there).
 * 4. A golden file of a rendered plan (`test/golden/`), and the contract suites of `test/contract/` run against its
 *    real engine, started by a script of `scripts/<kind>/` from `.ci/run`.
 *
 * @packageDocumentation
 */
import type * as z from "zod";
import type { ExecutorKind, ResolvedProfile } from "../config/types.ts";
import type { TrackingEnv } from "../env/tracking-env.ts";
import type { Job } from "../job/job.ts";
import type { JobStatus } from "../job/job-state.ts";
import type { JobFiles } from "../store/job-files.ts";
import type { JobStore } from "../store/job-store.ts";
import type { Connections } from "../transport/connections.ts";
import type { Capabilities, CleanupResult, LogEntry, LogOptions, Plan, SubmitOptions } from "./types.ts";

/** The resolved profile of one executor kind. */
export type ProfileOf<K extends ExecutorKind> = Extract<ResolvedProfile, { readonly executor: K }>;

/**
 * What an executor may use of the launching machine; captured once, so plans stay pure. Executors never read
 * `process.env`, the home directory or env.toml themselves.
 *
 * @example
 * ```ts
 * const context: ExecutorContext = { env: process.env, cwd, homeDir, store, connections: new Connections() };
 * ```
 */
export interface ExecutorContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homeDir: string;
  readonly store: JobStore;
  /** Pooled connections (SSH) shared by every job of this process; `close()` releases them. */
  readonly connections: Connections;
}

/**
 * One executor kind, as the registry knows it.
 *
 * @example
 * ```ts
 * const module = await executorModule("docker");
 * const executor = module.create(profile, tracking, context);
 * ```
 */
export interface ExecutorModule<K extends ExecutorKind = ExecutorKind, P extends Plan = Plan, D = unknown> {
  readonly kind: K;
  /** What jobs of this executor cannot ask for, each with the reason. */
  readonly capabilities: Capabilities;
  /** What a job record keeps to find the job again (`record.detail`); parsed on every read. */
  readonly detail: z.ZodType<D>;
  /** The executor of a resolved profile. Pure: nothing is contacted until `submit`. */
  create(profile: ProfileOf<K>, tracking: TrackingEnv, context: ExecutorContext): Executor<P, D>;
  /** The engine of a submitted job, from any process; needs the record only, never env.toml. */
  engine(job: RecordedJob<D>, context: ExecutorContext): JobEngine;
  /** `slipway doctor`'s check of a profile (engine reachable, version, …). Never throws. */
  check(profile: ProfileOf<K>, context: ExecutorContext): Promise<CheckResult>;
}

/**
 * One configured place to run jobs: a profile with its tracking env resolved.
 * `plan` is pure and *is* the dry run; `render` prints the native request with secrets as `***`.
 *
 * @example
 * ```ts
 * const executor = await buildExecutor("gpu0");
 * console.log(executor.kind, executor.profile.resources, executor.tracking.key.status);
 * const { plan } = await dryRun({ name: "sft", command: ["python", "train.py"] }, { profile: "gpu0" });
 * console.log(executor.render(plan)); // the native request, secrets as ***
 * ```
 */
export interface Executor<P extends Plan = Plan, D = unknown> {
  readonly kind: ExecutorKind;
  readonly profile: ResolvedProfile;
  readonly capabilities: Capabilities;
  /** The W&B variables every job of this executor receives, the key as a secret. */
  readonly tracking: TrackingEnv;
  /** Warnings about this profile's setup (e.g. secrets passed as plain environment), shown at launch. */
  readonly notices: readonly string[];
  plan(job: Job): P;
  render(plan: P): string;
  /**
   * Starts the planned job and says what was started; the plan is not changed and no record is written (the core
   * does that). Throws a `SlipwayError` when nothing was started.
   */
  submit(plan: P, options?: SubmitOptions): Promise<Submitted<D>>;
}

/**
 * What {@link Executor.submit} started.
 *
 * @example
 * ```ts
 * const submitted = await executor.submit(plan);
 * console.log(submitted.nativeId, submitted.status.state); // "41523" "pending"
 * ```
 */
export interface Submitted<D> {
  /** The engine's own id (a pid, a container id, a Slurm job id, …). */
  readonly nativeId: string;
  /** The status right after submitting (usually `pending` or `running`). */
  readonly status: JobStatus;
  /** What the record keeps to find the job again; must parse with the module's `detail` schema. */
  readonly detail: D;
  /** An engine that knows more than a record can say (e.g. the local child's exit promise); else rebuilt. */
  readonly engine?: JobEngine;
}

/**
 * A recorded job as an engine sees it.
 *
 * @example
 * ```ts
 * const engine = module.engine({ id, nativeId, detail, files: store.files(id), profile: () => profile }, context);
 * ```
 */
export interface RecordedJob<D> {
  readonly id: string;
  readonly nativeId: string;
  readonly detail: D;
  /** The job's files in the job store (logs, exit code, the cancel marker). */
  readonly files: JobFiles;
  /** The profile the job was launched with, resolved again from its env.toml; for settings a record must not hold (a token). */
  readonly profile: () => ResolvedProfile;
}

/**
 * The small per-engine part of the job lifecycle; `tracked-handle.ts` builds every handle on it.
 *
 * @example
 * ```ts
 * const engine = module.engine(recorded, context);
 * const status = await engine.probe(); // { state: "running", raw: "RUNNING", … }
 * ```
 */
export interface JobEngine {
  /** Asks the engine where the job stands. Not called again once a terminal status is stored. */
  probe(): Promise<JobStatus>;
  /**
   * Asks the engine to stop the job (SIGTERM, then SIGKILL after the grace period where the engine has one).
   * Safe to call for a job that already ended. The core writes the cancel marker (`files.cancelRequested`) first.
   */
  stop(): Promise<void>;
  /** The job's logs while the engine still has them: what is there now, or (`follow`) until `isDone()`. */
  logs(options: LogOptions, isDone: () => Promise<boolean>): AsyncIterable<string>;
  /**
   * The same logs tagged with their stream, in write order (and with times where the engine records them); absent
   * where the engine keeps the streams apart (the core then reads `logs` per stream).
   */
  entries?(options: LogOptions, isDone: () => Promise<boolean>): AsyncIterable<LogEntry>;
  /** Frees what a finished job holds on the engine, saving its logs first; absent when there is nothing to free. */
  cleanup?(save: LogSaver): Promise<CleanupResult>;
  /**
   * Each task of a job array, by index, in one query of the engine (a sweep's `status` lists them); absent where
   * the engine runs no arrays.
   */
  tasks?(): Promise<ReadonlyMap<number, JobStatus>>;
  /** Resolves when the job may have changed, or after `ms` at most (default: a plain sleep of `ms`). */
  changed?(ms: number, signal: AbortSignal | undefined): Promise<void>;
  readonly poll: PollPolicy;
}

/**
 * How often to ask an engine, as data: `wait()` starts at `firstMs` and multiplies by `factor` up to `maxMs`.
 *
 * @example
 * ```ts
 * const slurmPoll: PollPolicy = { firstMs: 250, maxMs: 10_000, factor: 1.5, cancelDeadlineMs: () => 60_000 };
 * ```
 */
export interface PollPolicy {
  readonly firstMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** How long `cancel()` polls for the end before it returns a "could not confirm" status. */
  readonly cancelDeadlineMs: (before: JobStatus) => number;
  /** Why a cancel could not be confirmed in time (default: a generic sentence). */
  readonly unconfirmedCancel?: (status: JobStatus, waitedMs: number) => string;
}

/**
 * Writes one saved log into the job store (what `slipway logs` reads after cleanup).
 *
 * @example
 * ```ts
 * const save: LogSaver = (stream, text, index) => writeFileSync(files.log(stream, index), text, { mode: 0o600 });
 * ```
 */
export type LogSaver = (stream: "stdout" | "stderr", text: string | Buffer, index?: number) => void;

/**
 * `slipway doctor`'s verdict on one profile's executor.
 *
 * @example
 * ```ts
 * const result: CheckResult = { ok: true, text: "Docker daemon at unix:///var/run/docker.sock (API 1.47)" };
 * ```
 */
export interface CheckResult {
  readonly ok: boolean;
  readonly text: string;
  /** Itemised checks behind `text` (e.g. each permission), shown under the table; `ok` is false if one fails. */
  readonly details?: readonly { readonly ok: boolean; readonly text: string }[];
}
