import type { RayProfile } from "../../config/types.ts";
import type { Job } from "../../job/job.ts";
import { splitEnv } from "../../job/split-env.ts";
import type { Secret } from "../../secret.ts";
import type { ShippedCode } from "../../package/code-package.ts";
import { shq, shqJoin } from "../../shell-quote.ts";
import { rayPackageUri } from "./package-dir.ts";
import type { Plan } from "../types.ts";
import { timeLimitOf, type TimeLimit } from "../../job/time-limit.ts";
import { timeLimitWatchdog } from "../time-limit-shell.ts";

/** The body of `POST /api/jobs/`, as far as slipway sets it. */
export interface RaySubmitBody {
  readonly entrypoint: string;
  readonly submission_id: string;
  readonly runtime_env: {
    /** Filled at submit with the uploaded package's URI; the plan names the local directory. */
    readonly working_dir?: string;
    readonly py_modules?: readonly string[];
    readonly pip?: readonly string[];
    readonly env_vars: Readonly<Record<string, string>>;
  };
  readonly metadata: Readonly<Record<string, string>>;
  readonly entrypoint_num_cpus?: number;
  readonly entrypoint_num_gpus?: number;
  readonly entrypoint_memory?: number;
  readonly entrypoint_resources?: Readonly<Record<string, number>>;
}

/**
 * The ray executor's native request: the Jobs API body (no secret in it), the directory to upload as
 * `working_dir`, and the secrets that travel in a per-job package.
 *
 * @example
 * ```ts
 * const plan = planRay(job, profile);
 * plan.body.submission_id === job.id; // true: a retried submit finds the job instead of making a second one
 * ```
 */
export interface RayPlan extends Plan {
  readonly executor: "ray";
  readonly address: string;
  readonly token: Secret | undefined;
  readonly body: RaySubmitBody;
  /** The shipped code: uploaded at submit (unless Ray has it) as the package `uri`, Ray's `working_dir`. */
  readonly code: { readonly summary: ShippedCode; readonly uri: string } | undefined;
  /** Variables that must not show in the dashboard or the jobs listing: shipped in a package of their own. */
  readonly secrets: Readonly<Record<string, Secret>>;
  /** Times a failed job is submitted again (`<id>-r1`, `<id>-r2`, …), by whichever slipway process follows it. */
  readonly retries: number;
  /** The job's time limit, kept by the entrypoint's watchdog over all its attempts. */
  readonly timeLimit: TimeLimit | undefined;
}

/** The directory inside the per-job secrets package; the package is on the job's PYTHONPATH (`py_modules`). */
export function secretsModule(jobId: string): string {
  return `slipway_secrets_${jobId.replace(/[^A-Za-z0-9]/g, "_")}`;
}

/**
 * The entrypoint prefix that loads the secrets: find the module on PYTHONPATH, source its file with tracing off,
 * delete the file (unless `keep`: a job that may be submitted again reads it in every attempt, from the copy Ray
 * keeps on the node), then `exec` the command.
 */
export function secretsPrefix(jobId: string, keep = false): string {
  const file = `${secretsModule(jobId)}/env.sh`;
  return (
    `set +x; for d in $(printf %s "$PYTHONPATH" | tr : " "); do ` +
    `if [ -f "$d/${file}" ]; then . "$d/${file}";${keep ? "" : ` rm -f "$d/${file}";`} fi; done; exec`
  );
}

/** The variable through which a resubmitted attempt learns how much of the job's time limit is left, in seconds. */
export const TIME_LEFT_VARIABLE = "slipway_time_left";

/** Seconds between SIGTERM and SIGKILL when a ray job reaches its time limit (Ray's own stop waits 3 s). */
export const TIME_LIMIT_GRACE_SECONDS = 10;

/**
 * The entrypoint prefix that keeps the time limit: the shell survives the watchdog's SIGTERM (to end with the
 * command's code), and the watchdog counts down from the limit, or from what a resubmitted attempt has left
 * ({@link TIME_LEFT_VARIABLE}).
 *
 * @example
 * ```ts
 * timeLimitPrefix({ text: "00:05:00", seconds: 300 }); // "trap : TERM; ( … ) & slipway_watch=$!; "
 * ```
 */
export function timeLimitPrefix(limit: TimeLimit): string {
  const watchdog = timeLimitWatchdog({
    seconds: `\${${TIME_LEFT_VARIABLE}:-${limit.seconds}}`,
    limit: limit.text,
    graceSeconds: TIME_LIMIT_GRACE_SECONDS,
  });
  return `trap : TERM; ${watchdog} `;
}

/**
 * Plans a ray job. Pure: the same job and profile always give the same plan.
 *
 * @example
 * ```ts
 * console.log(renderRay(planRay(job, profile)));
 * ```
 */
export function planRay(job: Job, profile: RayProfile): RayPlan {
  const { settings } = profile;
  const { plain, secrets } = splitEnv(job);
  const hasSecrets = Object.keys(secrets).length > 0;
  // The command runs in the launch directory's place in the shipped tree, or in `workdir` on the cluster.
  const runsIn =
    job.workdir ?? (job.code === undefined || job.code.subdir === "" ? undefined : job.code.subdir);
  const command = shqJoin(job.command);
  const cpus = settings.numCpus ?? job.resources.cpusPerNode;
  const gpus = settings.numGpus ?? (job.resources.gpusPerNode > 0 ? job.resources.gpusPerNode : undefined);
  const retries = job.retries ?? settings.retries;
  const timeLimit = timeLimitOf(job, settings.time);
  return {
    executor: "ray",
    jobId: job.id,
    address: settings.address,
    token: settings.token,
    body: {
      entrypoint: `${timeLimit === undefined ? "" : timeLimitPrefix(timeLimit)}${runsIn === undefined ? "" : `cd ${shq(runsIn)} || exit 1; `}${hasSecrets ? `${secretsPrefix(job.id, retries > 0)} ${command}` : command}`,
      submission_id: job.id,
      runtime_env: {
        ...(settings.pip.length === 0 ? {} : { pip: settings.pip }),
        env_vars: plain,
      },
      metadata: { "slipway.job": job.id, "slipway.profile": profile.name, "slipway.name": job.name },
      ...(cpus === undefined ? {} : { entrypoint_num_cpus: cpus }),
      ...(gpus === undefined ? {} : { entrypoint_num_gpus: gpus }),
      ...(settings.memory === undefined ? {} : { entrypoint_memory: settings.memory }),
      ...(Object.keys(settings.resources).length === 0 ? {} : { entrypoint_resources: settings.resources }),
    },
    code: job.code === undefined ? undefined : { summary: job.code, uri: rayPackageUri(job.code.hash) },
    secrets,
    retries,
    timeLimit,
  };
}
