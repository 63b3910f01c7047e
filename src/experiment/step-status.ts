import type { ExecutorContext } from "../executors/executor-module.ts";
import { attachJob } from "../executors/registry.ts";
import type { JobState } from "../job/job-state.ts";
import { findSweep } from "../sweep/sweep-store.ts";
import { sweepStatus } from "../sweep/sweep-status.ts";
import type { StepRecord } from "./experiment-record.ts";

/**
 * Where a launched step's job (or sweep) stands: `absent` when the job store has no job or sweep under its id (it
 * was never submitted), else one state for the step — a sweep has succeeded when every run did, and has failed
 * once every run ended and one did not succeed.
 *
 * @example
 * ```ts
 * const { state, reason } = await launchedStepState(step, runtime);
 * ```
 */
export async function launchedStepState(
  step: Pick<StepRecord, "jobId" | "sweep">,
  context: ExecutorContext,
): Promise<{ readonly state: JobState | "absent"; readonly reason: string | undefined }> {
  const { store } = context;
  if (step.sweep) {
    const record = findSweep(store, step.jobId);
    if (record === undefined) return { state: "absent", reason: undefined };
    let runs;
    try {
      runs = await sweepStatus(record, context);
    } catch (error) {
      // The sweep was recorded but a supervisor died before submitting all its jobs.
      if ((error as { code?: string }).code !== "JOB_NOT_FOUND") throw error;
      return { state: "failed", reason: "launch interrupted: a job of the sweep was never submitted" };
    }
    const states = runs.map((run) => run.status.state);
    if (states.some((state) => state === "pending" || state === "running" || state === "unknown")) {
      return { state: states.includes("running") ? "running" : "pending", reason: undefined };
    }
    const failed = runs.filter((run) => run.status.state !== "succeeded");
    if (failed.length === 0) return { state: "succeeded", reason: undefined };
    return {
      state: failed.every((run) => run.status.state === "cancelled") ? "cancelled" : "failed",
      reason: `${failed.length} of ${runs.length} runs did not succeed (first: run ${failed[0]?.index ?? 0}, ${failed[0]?.status.state ?? ""})`,
    };
  }
  let record;
  try {
    record = store.read(step.jobId);
  } catch (error) {
    if ((error as { code?: string }).code === "JOB_NOT_FOUND") return { state: "absent", reason: undefined };
    throw error;
  }
  const status = await attachJob(record, context).status();
  return { state: status.state, reason: status.reason };
}

/**
 * Cancels a launched step's job, or every job of its sweep that has not ended. A no-op for a step never submitted.
 *
 * @example
 * ```ts
 * await cancelLaunchedStep(step, runtime);
 * ```
 */
export async function cancelLaunchedStep(
  step: Pick<StepRecord, "jobId" | "sweep">,
  context: ExecutorContext,
): Promise<void> {
  const { store } = context;
  const sweep = step.sweep ? findSweep(store, step.jobId) : undefined;
  const ids = sweep === undefined ? [step.jobId] : [...new Set(sweep.runs.map((run) => run.jobId))];
  await Promise.all(
    ids.map(async (id) => {
      let record;
      try {
        record = store.read(id);
      } catch (error) {
        if ((error as { code?: string }).code === "JOB_NOT_FOUND") return;
        throw error;
      }
      const handle = attachJob(record, context);
      if (!["succeeded", "failed", "cancelled"].includes((await handle.status()).state))
        await handle.cancel();
    }),
  );
}
