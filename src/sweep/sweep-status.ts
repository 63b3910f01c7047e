import { attachJob, engineOf } from "../executors/registry.ts";
import type { ExecutorContext } from "../executors/executor-module.ts";
import { JOB_STATES, type JobStatus } from "../job/job-state.ts";
import type { SweepRecord } from "./sweep-record.ts";

/**
 * One combination of a sweep with where its run stands.
 *
 * @example
 * ```ts
 * const runs: SweepRunStatus[] = await sweepStatus(record, runtime);
 * ```
 */
export interface SweepRunStatus {
  readonly index: number;
  readonly values: Readonly<Record<string, string>>;
  readonly jobId: string;
  readonly arrayIndex: number | undefined;
  readonly status: JobStatus;
}

/**
 * Asks where every run of a sweep stands: for a Slurm array sweep one `squeue` for all its tasks, elsewhere each
 * job's own status (concurrently).
 *
 * @example
 * ```ts
 * for (const run of await sweepStatus(record, runtime)) console.log(run.index, run.status.state);
 * ```
 */
export async function sweepStatus(record: SweepRecord, context: ExecutorContext): Promise<SweepRunStatus[]> {
  const byJob = new Map<string, Promise<ReadonlyMap<number, JobStatus> | JobStatus>>();
  for (const run of record.runs) {
    if (byJob.has(run.jobId)) continue;
    const job = context.store.read(run.jobId);
    byJob.set(
      run.jobId,
      run.arrayIndex === undefined
        ? attachJob(job, context).status()
        : engineOf(job, context).then(async (engine) =>
            engine.tasks === undefined ? attachJob(job, context).status() : engine.tasks(),
          ),
    );
  }
  return Promise.all(
    record.runs.map(async (run) => {
      const answer = await (byJob.get(run.jobId) ?? Promise.reject(new Error(`no job ${run.jobId}`)));
      const status =
        answer instanceof Map
          ? ((answer as ReadonlyMap<number, JobStatus>).get(run.arrayIndex ?? 0) ?? unknownTask)
          : (answer as JobStatus);
      return { index: run.index, values: run.values, jobId: run.jobId, arrayIndex: run.arrayIndex, status };
    }),
  );
}

const unknownTask: JobStatus = { state: "unknown", raw: "", exitCode: undefined, reason: "task not listed" };

/**
 * The summary line of a sweep's status: how many runs are in each state, most telling first.
 *
 * @example
 * ```ts
 * sweepSummary(runs); // "6 jobs: 4 succeeded, 1 running, 1 failed"
 * ```
 */
export function sweepSummary(runs: readonly Pick<SweepRunStatus, "status">[]): string {
  const counts = JOB_STATES.map(
    (state) => [state, runs.filter((run) => run.status.state === state).length] as const,
  );
  const order = ["succeeded", "running", "pending", "failed", "cancelled", "unknown"] as const;
  const parts = order.flatMap((state) => {
    const n = counts.find(([s]) => s === state)?.[1] ?? 0;
    return n === 0 ? [] : [`${n} ${state}`];
  });
  return `${runs.length} job${runs.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
}
