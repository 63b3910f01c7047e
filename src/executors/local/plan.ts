import { join } from "node:path";
import type { LocalProfile } from "../../config/types.ts";
import type { ShippedCode } from "../../package/code-package.ts";
import type { Job } from "../../job/job.ts";
import { NEVER_FORWARDED_ENV } from "../../job/job.ts";
import type { Secret } from "../../secret.ts";
import type { JobFiles } from "../../store/job-files.ts";
import { timeLimitOf, type TimeLimit } from "../../job/time-limit.ts";
import type { LocalWrapperInput } from "./wrapper-script.ts";
import { singleNodeOptions, torchrunCommand } from "../torchrun-command.ts";
import type { Plan } from "../types.ts";
import { localGpus, type LocalGpus } from "./local-gpus.ts";

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
  /** The command, or with `launcher = "torchrun"` the torchrun that starts it once per process. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Variables set for the job on top of the inherited ones (all of them when `inheritEnv` is false). */
  readonly env: Readonly<Record<string, string | Secret>>;
  /** Start from the launching shell's environment, less {@link NOT_INHERITED}. */
  readonly inheritEnv: boolean;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** The ordered log of both streams, with a time per line, written by the copier beside the two logs. */
  readonly outputPath: string;
  /** Where the wrapper shell writes the exit code when the command ends. */
  readonly exitCodePath: string;
  readonly graceSeconds: number;
  /** Times the wrapper shell starts a failed run again, under the same job id. */
  readonly retries: number;
  /** The job's time limit, enforced by the wrapper shell's watchdog (`undefined`: none). */
  readonly timeLimit: TimeLimit | undefined;
  /** The job's files the wrapper shell writes or reads besides the exit code. */
  readonly wrapperFiles: LocalWrapperInput["files"];
  /** The GPUs asked for: the count is checked against `nvidia-smi` at submit; the ids are in `env`. */
  readonly gpus: LocalGpus;
  /** With `package = "git"`/`"dir"`: the snapshot of the code, unpacked into `dir` at submit; the job runs inside it. */
  readonly code: { readonly dir: string; readonly summary: ShippedCode } | undefined;
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
  const codeDir = join(files.dir, "code");
  const gpus = localGpus(job, profile);
  const torchrun = job.launcher === "torchrun";
  return {
    executor: "local",
    jobId: job.id,
    argv: torchrun
      ? torchrunCommand({
          options: singleNodeOptions(job.resources.nprocPerNode),
          command: job.command,
          rankZeroOnly: Object.keys(job.rankZeroEnv),
        })
      : job.command,
    cwd: job.workdir ?? (job.code === undefined ? job.launchDir : join(codeDir, job.code.subdir)),
    // The only process of a local job is rank 0; under torchrun, the other ranks drop rank 0's variables.
    env: {
      ...job.env,
      ...job.rankZeroEnv,
      ...(gpus.ids === undefined ? {} : { CUDA_VISIBLE_DEVICES: gpus.ids.join(",") }),
    },
    inheritEnv: profile.inheritEnv,
    stdoutPath: files.log("stdout"),
    stderrPath: files.log("stderr"),
    outputPath: files.output,
    exitCodePath: files.exitCode,
    graceSeconds: profile.graceSeconds,
    retries: job.retries ?? profile.retries,
    timeLimit: timeLimitOf(job, profile.time),
    wrapperFiles: {
      attempt: files.attempt,
      timeLimitReached: files.timeLimitReached,
      cancelRequested: files.cancelRequested,
    },
    gpus,
    code: job.code === undefined ? undefined : { dir: codeDir, summary: job.code },
  };
}
