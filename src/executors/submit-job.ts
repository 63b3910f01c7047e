import { existsSync } from "node:fs";
import type { Job } from "../job/job.ts";
import { processStartTime } from "../job/process-info.ts";
import type { JobRecord } from "../store/job-record.ts";
import type { Executor, ExecutorContext, JobEngine } from "./executor-module.ts";
import { engineOf } from "./registry.ts";
import { TrackedHandle } from "./tracked-handle.ts";
import type { Plan, SubmitOptions } from "./types.ts";

/**
 * The core of a launch: writes the job's record (`pending`, raw `submitting`, the rendered plan, this process as
 * the launcher) before anything reaches the engine, submits, and stores what the executor says it started. A submit
 * that throws leaves the record `failed` (raw `not-started`, the error as reason) and rethrows. A cancel asked for
 * while submitting (from another shell) is carried out as soon as the job exists.
 *
 * @example
 * ```ts
 * const handle = await submitJob(executor, job, plan, context, { detach: true });
 * console.log(handle.nativeId);
 * ```
 */
export async function submitJob<P extends Plan, D>(
  executor: Executor<P, D>,
  job: Job,
  plan: P,
  context: ExecutorContext,
  options: SubmitOptions = {},
  engineFor: (record: JobRecord) => Promise<JobEngine> = (record) => engineOf(record, context),
): Promise<TrackedHandle> {
  const { store } = context;
  const files = store.create(initialRecord(executor, job, plan));
  let submitted;
  try {
    submitted = await executor.submit(plan, options);
  } catch (error) {
    store.update(job.id, {
      state: "failed",
      raw: "not-started",
      reason: error instanceof Error ? error.message : String(error),
      endedAt: new Date().toISOString(),
      launchedBy: undefined,
    });
    throw error;
  }
  const record = store.update(job.id, {
    nativeId: submitted.nativeId,
    state: submitted.status.state,
    raw: submitted.status.raw,
    exitCode: submitted.status.exitCode,
    reason: submitted.status.reason,
    startedAt: new Date().toISOString(),
    detail: submitted.detail as Readonly<Record<string, unknown>>,
    launchedBy: undefined,
  });
  const handle = new TrackedHandle(record, { store, engine: submitted.engine, engineFor });
  if (existsSync(files.cancelRequested)) await handle.cancel();
  return handle;
}

/**
 * The record of a job about to be submitted.
 *
 * @example
 * ```ts
 * store.create(initialRecord(executor, job, plan));
 * ```
 */
export function initialRecord(executor: Pick<Executor, "profile">, job: Job, plan: Plan): JobRecord {
  return {
    version: 1,
    id: job.id,
    name: job.name,
    profile: job.profile,
    executor: job.executor,
    configFile: executor.profile.file,
    nativeId: "",
    command: job.command,
    workdir: job.workdir,
    createdAt: job.createdAt,
    startedAt: undefined,
    endedAt: undefined,
    state: "pending",
    raw: "submitting",
    exitCode: undefined,
    reason: undefined,
    // JSON turns every Secret into "***", so the stored plan holds no secret.
    plan: JSON.parse(JSON.stringify(plan)) as unknown,
    detail: {},
    launchedBy: { pid: process.pid, startTime: processStartTime(process.pid) ?? "" },
    wandbUrl: job.wandbUrl,
  };
}
