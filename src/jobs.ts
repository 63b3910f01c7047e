import { attachJob } from "./executors/registry.ts";
import type { JobHandle, JobStatus } from "./executors/types.ts";
import { TERMINAL_STATES } from "./executors/types.ts";
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
  const { store, env, homeDir } = runtimeOf(options);
  return attachJob(store.read(store.resolve(id)), { store, env, homeDir });
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
 * Every job in the store, newest first, each with a fresh status (finished jobs are not asked again).
 *
 * @example
 * ```ts
 * for (const { record, status } of await listJobs()) console.log(record.id, status.state);
 * ```
 */
export async function listJobs(options: RuntimeOptions = {}): Promise<JobSummary[]> {
  const { store, env, homeDir } = runtimeOf(options);
  return Promise.all(
    store.list().map(async (record) => {
      const stored: JobStatus = {
        state: record.state,
        raw: record.raw,
        exitCode: record.exitCode,
        reason: record.reason,
      };
      if (TERMINAL_STATES.has(record.state)) return { record, status: stored };
      try {
        return { record, status: await (await attachJob(record, { store, env, homeDir })).status() };
      } catch {
        // An executor that cannot be reached (or is not built) must not hide the rest of the list.
        return { record, status: { ...stored, state: "unknown" as const } };
      }
    }),
  );
}
