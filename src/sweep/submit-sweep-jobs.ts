import type { CodePackage } from "../package/code-package.ts";
import type { Executor } from "../executors/executor-module.ts";
import { submitJob } from "../executors/submit-job.ts";
import { SlipwayError } from "../errors.ts";
import type { LaunchedJob } from "../launch.ts";
import type { Runtime } from "../runtime.ts";
import type { PlannedSweep } from "./plan-sweep.ts";

/**
 * Submits a planned sweep's jobs in order (one array job on Slurm). A job that fails to launch after others started
 * is an error naming how many started and how to see and stop them; the sweep record is already in the store.
 *
 * @example
 * ```ts
 * const jobs = await submitSweepJobs(executor, planned, runtime, { id: "sft-sweep-k3j9x2", detach: true });
 * ```
 */
export async function submitSweepJobs(
  executor: Executor,
  planned: Pick<PlannedSweep, "jobs" | "plans">,
  runtime: Runtime,
  options: { readonly id: string; readonly detach: boolean; readonly code?: CodePackage | undefined },
): Promise<LaunchedJob[]> {
  const jobs: LaunchedJob[] = [];
  for (const [i, job] of planned.jobs.entries()) {
    const plan = planned.plans[i];
    if (plan === undefined) continue;
    try {
      const handle = await submitJob(executor, job, plan, runtime, {
        detach: options.detach,
        ...(options.code === undefined ? {} : { code: options.code }),
      });
      jobs.push({
        id: handle.id,
        executor: handle.executor,
        nativeId: handle.nativeId,
        job,
        status: () => handle.status(),
        logs: (logOptions) => handle.logs(logOptions),
        logEntries: (logOptions) => handle.logEntries(logOptions),
        cancel: () => handle.cancel(),
        wait: (waitOptions) => handle.wait(waitOptions),
      });
    } catch (error) {
      if (jobs.length === 0) throw error;
      throw new SlipwayError(
        "ENGINE_ERROR",
        `sweep ${options.id}: job ${i + 1} of ${planned.jobs.length} failed to launch after ${jobs.length} started: ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: `slipway status ${options.id} shows them; slipway cancel ${options.id} stops them`,
          cause: error,
        },
      );
    }
  }
  return jobs;
}
