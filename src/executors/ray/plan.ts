import { isAbsolute, resolve } from "node:path";
import type { RayProfile } from "../../config/types.ts";
import type { Job } from "../../job/job.ts";
import { splitEnv } from "../../job/split-env.ts";
import type { Secret } from "../../secret.ts";
import { shqJoin } from "../../shell-quote.ts";
import type { Plan } from "../types.ts";

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
  readonly workingDir: { readonly path: string; readonly excludes: readonly string[] } | undefined;
  /** Variables that must not show in the dashboard or the jobs listing: shipped in a package of their own. */
  readonly secrets: Readonly<Record<string, Secret>>;
}

/** The directory inside the per-job secrets package; the package is on the job's PYTHONPATH (`py_modules`). */
export function secretsModule(jobId: string): string {
  return `slipway_secrets_${jobId.replace(/[^A-Za-z0-9]/g, "_")}`;
}

/**
 * The entrypoint prefix that loads the secrets: find the module on PYTHONPATH, source its file with tracing off,
 * delete the file, then `exec` the command.
 */
export function secretsPrefix(jobId: string): string {
  const file = `${secretsModule(jobId)}/env.sh`;
  return (
    `set +x; for d in $(printf %s "$PYTHONPATH" | tr : " "); do ` +
    `if [ -f "$d/${file}" ]; then . "$d/${file}"; rm -f "$d/${file}"; fi; done; exec`
  );
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
  const command = shqJoin(job.command);
  const workingDir = settings.workingDir ?? job.workdir;
  const cpus = settings.numCpus ?? job.resources.cpusPerNode;
  const gpus = settings.numGpus ?? (job.resources.gpusPerNode > 0 ? job.resources.gpusPerNode : undefined);
  return {
    executor: "ray",
    jobId: job.id,
    address: settings.address,
    token: settings.token,
    body: {
      entrypoint: hasSecrets ? `${secretsPrefix(job.id)} ${command}` : command,
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
    workingDir:
      workingDir === undefined
        ? undefined
        : {
            path: isAbsolute(workingDir) ? workingDir : resolve(job.launchDir, workingDir),
            excludes: settings.excludes,
          },
    secrets,
  };
}
