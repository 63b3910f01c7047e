import type { CodePackage } from "../package/code-package.ts";
import type { Executor } from "../executors/executor-module.ts";
import { submitJob } from "../executors/submit-job.ts";
import { SlipwayError } from "../errors.ts";
import { launchedJob, type LaunchedJob } from "../launch.ts";
import type { Runtime } from "../runtime.ts";
import type { PlannedSweep } from "./plan-sweep.ts";
import type { SweepRecord } from "./sweep-record.ts";
import { writeSweep } from "./sweep-store.ts";

/**
 * Records a planned sweep in the job store, then submits its jobs in order (one array job on Slurm, one Indexed Job
 * on Kubernetes). A job that fails to launch after others started is an error naming how many started and how to
 * see and stop them (the record lets `slipway status` and `cancel` find them).
 *
 * @example
 * ```ts
 * const jobs = await submitSweepJobs(executor, record, planned, runtime, { detach: true });
 * ```
 */
export async function submitSweepJobs(
  executor: Executor,
  record: SweepRecord,
  planned: Pick<PlannedSweep, "jobs" | "plans">,
  runtime: Runtime,
  options: { readonly detach: boolean; readonly code?: CodePackage | undefined },
): Promise<LaunchedJob[]> {
  const { id } = record;
  writeSweep(runtime.store, record);
  const jobs: LaunchedJob[] = [];
  for (const [i, job] of planned.jobs.entries()) {
    const plan = planned.plans[i];
    if (plan === undefined) continue;
    try {
      const handle = await submitJob(executor, job, plan, runtime, {
        detach: options.detach,
        ...(options.code === undefined ? {} : { code: options.code }),
      });
      jobs.push(launchedJob(handle, job));
    } catch (error) {
      if (jobs.length === 0) throw error;
      throw new SlipwayError(
        "ENGINE_ERROR",
        `sweep ${id}: job ${i + 1} of ${planned.jobs.length} failed to launch after ${jobs.length} started: ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: `slipway status ${id} shows them; slipway cancel ${id} stops them`,
          cause: error,
        },
      );
    }
  }
  return jobs;
}
