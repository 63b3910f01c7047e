import type { ExecutorKind } from "../config/types.ts";
import type { JobState } from "../executors/types.ts";

/**
 * What the job store keeps about a job, so any later shell can find it again. Holds no secret: the plan is stored
 * in its rendered form, where secrets are `***`.
 *
 * @example
 * ```ts
 * const [newest] = await listJobs();
 * if (newest !== undefined) console.log(newest.record.id, newest.record.state, newest.record.nativeId);
 * ```
 */
export interface JobRecord {
  readonly version: 1;
  readonly id: string;
  readonly name: string;
  readonly profile: string;
  readonly executor: ExecutorKind;
  readonly configFile: string | undefined;
  /** The executor's own id; empty until the job was submitted. */
  readonly nativeId: string;
  readonly command: readonly string[];
  readonly workdir: string | undefined;
  readonly createdAt: string;
  readonly startedAt: string | undefined;
  readonly endedAt: string | undefined;
  /** Last known state; final once it is succeeded, failed or cancelled. */
  readonly state: JobState;
  readonly raw: string;
  readonly exitCode: number | undefined;
  readonly reason: string | undefined;
  /** The plan as JSON, secrets shown as `***`. */
  readonly plan: unknown;
  /** Executor-specific facts needed to reattach (a pid and its start time, a host, …). */
  readonly detail: Readonly<Record<string, string | number | boolean>>;
}
