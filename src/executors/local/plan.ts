import type { LocalProfile } from "../../config/types.ts";
import type { Job } from "../../job/job.ts";
import { NEVER_FORWARDED_ENV } from "../../job/job.ts";
import type { Secret } from "../../secret.ts";
import type { JobFiles } from "../../store/job-files.ts";
import type { Plan } from "../types.ts";

/** Variables of the launching shell that a local job never inherits: they are re-injected or must not travel. */
export const NOT_INHERITED = [...NEVER_FORWARDED_ENV, "WANDB_API_KEY"].sort();

/**
 * The local executor's native request: the exact process to start.
 *
 * @example
 * ```ts
 * const plan = planLocal(job, profile, store.files("sft-k3j9x2"));
 * plan.argv; // ["python", "train.py"]
 * ```
 */
export interface LocalPlan extends Plan {
  readonly executor: "local";
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Variables set for the job on top of the inherited ones (all of them when `inheritEnv` is false). */
  readonly env: Readonly<Record<string, string | Secret>>;
  /** Start from the launching shell's environment, less {@link NOT_INHERITED}. */
  readonly inheritEnv: boolean;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** Where the wrapper shell writes the exit code when the command ends. */
  readonly exitCodePath: string;
  readonly graceSeconds: number;
}

/**
 * Plans a local job. Pure: the same job, profile and job files always give the same plan.
 *
 * @example
 * ```ts
 * executor.render(planLocal(job, profile, store.files(job.id)));
 * ```
 */
export function planLocal(job: Job, profile: LocalProfile, files: JobFiles): LocalPlan {
  return {
    executor: "local",
    jobId: job.id,
    argv: job.command,
    cwd: job.workdir ?? job.launchDir,
    // The only process of a local job is rank 0.
    env: { ...job.env, ...job.rankZeroEnv },
    inheritEnv: profile.inheritEnv,
    stdoutPath: files.log("stdout"),
    stderrPath: files.log("stderr"),
    exitCodePath: files.exitCode,
    graceSeconds: profile.graceSeconds,
  };
}
