import type { ExecutorKind, ResolvedProfile } from "../config/types.ts";
import type { TrackingEnv } from "../env/tracking-env.ts";
import type { Job } from "../job/job.ts";

/**
 * Unified job states; every executor maps its native states onto these through one table.
 *
 * @example
 * ```ts
 * const jobs = await listJobs();
 * for (const state of JOB_STATES) console.log(state, jobs.filter((j) => j.status.state === state).length);
 * ```
 */
export const JOB_STATES = ["pending", "running", "succeeded", "failed", "cancelled", "unknown"] as const;

/**
 * One of {@link JOB_STATES}: where a job stands, whatever its executor.
 *
 * @example
 * ```ts
 * const state: JobState = (await job.status()).state;
 * if (state === "unknown") console.warn("the executor could not be asked; try again later");
 * ```
 */
export type JobState = (typeof JOB_STATES)[number];

/**
 * States after which a job never changes again.
 *
 * @example
 * ```ts
 * const { state } = await job.status();
 * if (!TERMINAL_STATES.has(state)) await job.cancel();
 * ```
 */
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Where a job stands. `raw` keeps the executor's own word for it (a Slurm state, a container status, …).
 *
 * @example
 * ```ts
 * const s = await job.status();
 * if (s.state === "failed") console.error(`exit ${s.exitCode}: ${s.reason}`);
 * ```
 */
export interface JobStatus {
  readonly state: JobState;
  readonly raw: string;
  readonly exitCode: number | undefined;
  readonly reason: string | undefined;
}

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
  /** Stops the job; a no-op for a job that already ended. Resolves to the status after cancelling. */
  cancel(): Promise<JobStatus>;
  /** Resolves when the job has ended. */
  wait(options?: { readonly signal?: AbortSignal }): Promise<JobStatus>;
}

/** What `cleanup` did for one job. */
export interface CleanupResult {
  readonly cleaned: boolean;
  readonly message: string;
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
  | "multi-node"
  | "torchrun"
  | "container-image"
  | "detach"
  | "reattach"
  | "array"
  | "dependencies"
  | "retries";

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
export interface Executor<P extends Plan = Plan> {
  readonly kind: ExecutorKind;
  readonly profile: ResolvedProfile;
  readonly capabilities: Capabilities;
  /** The W&B variables every job of this executor receives, the key as a secret. */
  readonly tracking: TrackingEnv;
  /** Warnings about this profile's setup (e.g. secrets passed as plain environment), shown at launch. */
  readonly notices: readonly string[];
  plan(job: Job): P;
  render(plan: P): string;
  /** Starts the planned job (its record must exist in the job store); the plan is not changed. */
  submit(plan: P, options?: SubmitOptions): Promise<JobHandle>;
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
  /** Ship uncommitted changes and untracked files when the profile packages code with git (default false). */
  readonly allowDirty?: boolean;
}
