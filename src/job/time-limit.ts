import { slurmTimeSeconds } from "../config/slurm-time.ts";
import type { Job } from "./job.ts";

/**
 * A job's time limit: as written (Slurm's `--time` format, shown in plans and reasons) and in seconds.
 *
 * @example
 * ```ts
 * const limit: TimeLimit = { text: "00:30:00", seconds: 1800 };
 * ```
 */
export interface TimeLimit {
  readonly text: string;
  readonly seconds: number;
}

/**
 * The time limit a job runs under: the recipe's `time`, else the profile's, else none. Both were checked against
 * Slurm's format already (the recipe by `buildJob`, the profile by its schema).
 *
 * @example
 * ```ts
 * timeLimitOf(job, profile.settings.time); // { text: "00:00:05", seconds: 5 } for time = "00:00:05"
 * ```
 */
export function timeLimitOf(job: Pick<Job, "time">, profileTime: string | undefined): TimeLimit | undefined {
  const text = job.time ?? profileTime;
  return text === undefined ? undefined : { text, seconds: slurmTimeSeconds(text) };
}
