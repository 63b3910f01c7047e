import { buildExecutor } from "./build-executor.ts";
import { noKeyNotice } from "./env/tracking-env.ts";
import { checkCapabilities } from "./executors/check-capabilities.ts";
import type { Executor } from "./executors/executor-module.ts";
import { submitJob } from "./executors/submit-job.ts";
import type { JobHandle, Plan } from "./executors/types.ts";
import { buildJob, type BuildJobContext, type Job, type JobDependency } from "./job/job.ts";
import type { CodePackage } from "./package/code-package.ts";
import { choosePackage } from "./package/choose-package.ts";
import { packCode } from "./package/pack-code.ts";
import type { Recipe } from "./job/recipe.ts";
import { runtimeOf, type Runtime, type RuntimeOptions } from "./runtime.ts";
import type { ProfileChoice } from "./select-profile.ts";
import type { JobRecord } from "./store/job-record.ts";
import { firstToday } from "./store/notice-stamps.ts";

/**
 * Where and how to launch: a {@link ProfileChoice} and {@link RuntimeOptions}, plus `detach` and `onNotice`.
 *
 * @example
 * ```ts
 * const options: LaunchOptions = {
 *   profile: "gpu0",
 *   detach: true,
 *   onNotice: (message) => console.warn(`[slipway] ${message}`),
 * };
 * const job = await launch({ name: "sft", command: ["python", "train.py"] }, options);
 * ```
 */
export interface LaunchOptions extends ProfileChoice, RuntimeOptions {
  /** Let this process exit while the job goes on (default false: the process stays until the job ends). */
  readonly detach?: boolean;
  /** With `package = "git"`: ship uncommitted changes and untracked files instead of refusing a dirty tree. */
  readonly allowDirty?: boolean;
  /** Receives warnings such as "no W&B key found, running offline" (default: printed to stderr). */
  readonly onNotice?: (message: string) => void;
  /**
   * The job's (or sweep's) id instead of a new one; a second launch under an id already in the job store fails
   * before submitting. An experiment chooses each step's id up front so that a resumed supervisor launches it once.
   */
  readonly id?: string;
}

/**
 * A launched job: its handle plus the resolved job.
 *
 * @example
 * ```ts
 * const launched: LaunchedJob = await launch({ name: "sft", command: ["python", "train.py"] });
 * console.log(launched.id, launched.nativeId, launched.job.workdir ?? launched.job.launchDir);
 * ```
 */
export interface LaunchedJob extends JobHandle {
  readonly job: Job;
}

/**
 * What a launch would submit, without submitting it.
 *
 * @example
 * ```ts
 * const recipe: Recipe = { name: "sft", command: ["python", "train.py"] };
 * const { job, plan, rendered }: DryRun = await dryRun(recipe, { executor: "local" });
 * console.log(job.id === plan.jobId, plan.executor); // true "local"
 * console.log(rendered); // WANDB_API_KEY shows as ***
 * ```
 */
export interface DryRun {
  readonly job: Job;
  readonly plan: Plan;
  /** The native request as text, secrets as `***`. */
  readonly rendered: string;
}

/**
 * Launches a recipe on a profile (or an executor kind) and returns its handle.
 *
 * @example
 * ```ts
 * const job = await launch({ name: "sft-smollm", command: ["python", "train.py"] }, { profile: "local" });
 * for await (const line of job.logs({ follow: true })) console.log(line);
 * console.log(await job.wait()); // { state: "succeeded", exitCode: 0, … }
 * ```
 */
export async function launch(recipe: Recipe, options: LaunchOptions = {}): Promise<LaunchedJob> {
  const runtime = runtimeOf(options);
  const { executor, job, plan, code } = await prepare(recipe, options, runtime);
  const handle = await submitJob(executor, job, plan, runtime, {
    detach: options.detach ?? false,
    ...(code === undefined ? {} : { code }),
  });
  return launchedJob(handle, job);
}

/**
 * A submitted job's handle with the job it runs, as {@link launch} gives it.
 *
 * @example
 * ```ts
 * const launched = launchedJob(await submitJob(executor, job, plan, runtime), job);
 * ```
 */
export function launchedJob(handle: JobHandle, job: Job): LaunchedJob {
  return {
    id: handle.id,
    executor: handle.executor,
    nativeId: handle.nativeId,
    job,
    status: () => handle.status(),
    logs: (logOptions) => handle.logs(logOptions),
    logEntries: (logOptions) => handle.logEntries(logOptions),
    cancel: () => handle.cancel(),
    wait: (waitOptions) => handle.wait(waitOptions),
  };
}

/**
 * Plans a launch and renders the native request, without starting or recording anything.
 *
 * @example
 * ```ts
 * const { rendered } = await dryRun({ name: "sft", command: ["python", "train.py"] }, { profile: "gpu0" });
 * console.log(rendered); // the command, workdir and env, WANDB_API_KEY=***
 * ```
 */
export async function dryRun(recipe: Recipe, options: LaunchOptions = {}): Promise<DryRun> {
  const { executor, job, plan } = await prepare(recipe, options, runtimeOf(options));
  return { job, plan, rendered: executor.render(plan) };
}

async function prepare(
  recipe: Recipe,
  options: LaunchOptions,
  runtime: Runtime,
): Promise<{ executor: Executor; job: Job; plan: Plan; code: CodePackage | undefined }> {
  const { executor, code, context } = await setUpLaunch(recipe, options, runtime);
  const job = buildJob(
    recipe,
    executor.profile,
    executor.tracking,
    options.id === undefined ? context : { ...context, id: options.id },
  );
  checkCapabilities(job, executor.capabilities);
  return { executor, job, plan: executor.plan(job), code };
}

/**
 * The part of a launch shared by every job of a sweep: the executor (its notices shown), the code packed once, and
 * what {@link buildJob} needs to build a job with them.
 *
 * @example
 * ```ts
 * const { executor, context } = await setUpLaunch(recipe, options, runtimeOf(options));
 * const job = buildJob(recipe, executor.profile, executor.tracking, context);
 * ```
 */
export async function setUpLaunch(
  recipe: Recipe,
  options: LaunchOptions,
  runtime: Runtime,
): Promise<{ executor: Executor; code: CodePackage | undefined; context: BuildJobContext }> {
  const executor = await buildExecutor(options.profile, {
    ...options,
    // The same pool, still taken only when the executor asks for it.
    get connections() {
      return runtime.connections;
    },
  });
  const notify = options.onNotice ?? ((message: string) => process.stderr.write(`slipway: ${message}\n`));
  const { store } = runtime;
  const { key } = executor.tracking;
  const daily = key.status === "missing" ? noKeyNotice(key.reason, executor.profile.file) : undefined;
  for (const notice of [...executor.tracking.notices, ...executor.notices]) {
    if (notice === daily && !firstToday(store, `no-key ${executor.profile.file}`, new Date())) continue;
    notify(notice);
  }
  const { profile } = executor;
  const choice = choosePackage(recipe, profile, runtime.cwd, runtime.env);
  if (choice.notice !== undefined) notify(choice.notice);
  // Packed before the job is built: a dry run shows what is shipped, and a dirty tree is refused before anything.
  const code =
    choice.mode === "none"
      ? undefined
      : await packCode(choice.mode, choice.dir, {
          allowDirty: options.allowDirty ?? false,
          excludes: [...profile.excludes, ...(recipe.excludes ?? [])],
          env: runtime.env,
          ...(choice.namedBy === undefined ? {} : { namedBy: choice.namedBy }),
        });
  const context: BuildJobContext = {
    cwd: runtime.cwd,
    now: new Date(),
    findJob: (idOrPrefix) => dependencyOf(store.read(store.resolve(idOrPrefix))),
    ...(code === undefined ? {} : { code: code.summary }),
  };
  return { executor, code, context };
}

function dependencyOf(record: JobRecord): JobDependency {
  // Where a Slurm job runs: `label` since the typed records, `target` (a string then) before.
  const { label, target } = record.detail;
  return {
    id: record.id,
    executor: record.executor,
    nativeId: record.nativeId,
    target: typeof label === "string" ? label : typeof target === "string" ? target : undefined,
    state: record.state,
  };
}
