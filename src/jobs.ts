import { statusOf } from "./executors/tracked-handle.ts";
import type { JobHandle } from "./executors/types.ts";
import { isTerminal, type JobStatus } from "./job/job-state.ts";
import type { StoreError } from "./errors.ts";
import { runtimeOf, type RuntimeOptions } from "./runtime.ts";
import type { JobRecord } from "./store/job-record.ts";

/**
 * Reattaches to a job launched earlier, from any process, by its id or a unique prefix of it (the newest job when
 * `id` is omitted). Needs no env.toml: everything is in the job store.
 *
 * @example
 * ```ts
 * const job = await getJob("sft-smollm-k3j9x2");
 * for await (const line of job.logs({ follow: true })) console.log(line);
 * ```
 */
export async function getJob(id?: string, options: RuntimeOptions = {}): Promise<JobHandle> {
  const runtime = runtimeOf(options);
  const { store } = runtime;
  const record = store.read(store.resolve(id));
  const { attachJob } = await import("./executors/registry.ts");
  return attachJob(record, runtime);
}

/**
 * A job's record with its current status.
 *
 * @example
 * ```ts
 * const running = (await listJobs()).filter((s: JobSummary) => s.status.state === "running");
 * for (const { record } of running) console.log(record.id, record.profile, record.nativeId);
 * ```
 */
export interface JobSummary {
  readonly record: JobRecord;
  readonly status: JobStatus;
}

/**
 * Options of {@link listJobs}: the launching machine, and what to do with a record that cannot be read.
 *
 * @example
 * ```ts
 * const options: ListJobsOptions = { onProblem: (e) => console.warn(`skipped: ${e.message}`) };
 * ```
 */
export interface ListJobsOptions extends RuntimeOptions {
  /** Called once per unreadable entry of the job store (default: one line on stderr). */
  readonly onProblem?: (problem: StoreError) => void;
}

/**
 * Every job in the store, newest first, each with a fresh status (finished jobs are not asked again). A damaged
 * record does not hide the others: it is reported through `onProblem`.
 *
 * @example
 * ```ts
 * for (const { record, status } of await listJobs()) console.log(record.id, status.state);
 * ```
 */
export async function listJobs(options: ListJobsOptions = {}): Promise<JobSummary[]> {
  const runtime = runtimeOf(options);
  const { records, problems } = runtime.store.scan();
  const report =
    options.onProblem ??
    ((problem: StoreError) => process.stderr.write(`slipway: skipped ${problem.message}\n`));
  for (const problem of problems) report(problem);
  return Promise.all(
    records.map(async (record) => {
      const stored = statusOf(record);
      if (isTerminal(stored)) return { record, status: stored };
      try {
        // Loaded only for a job that has not ended: listing ended jobs needs no executor (nor env.toml's schemas).
        const { attachJob } = await import("./executors/registry.ts");
        const handle = attachJob(record, runtime);
        const status = await handle.status();
        return { record: handle.record, status };
      } catch (error) {
        // An executor that cannot be reached must not hide the rest of the list.
        const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
        return { record, status: { ...stored, state: "unknown" as const, reason } };
      }
    }),
  );
}
