import type { SlurmProfile, SlurmSettings, SlurmTarget } from "../../config/types.ts";
import { SlipwayError } from "../../errors.ts";
import { SECRET_ENV_NAMES, type Job } from "../../job/job.ts";
import { splitEnv } from "../../job/split-env.ts";
import type { ShippedCode } from "../../package/code-package.ts";
import type { Secret } from "../../secret.ts";
import { torchrunArgs } from "../torchrun-command.ts";
import type { Plan } from "../types.ts";
import { arrayIndices } from "./array-spec.ts";
import { JOB_FILES, sbatchScript } from "./script.ts";
import { sweepParams } from "./sweep-params.ts";
import { targetLabel } from "./target-label.ts";

/**
 * The slurm executor's native request: the sbatch script (no secret in it), the command that submits it from the
 * job's directory, and what is shipped beside it.
 *
 * @example
 * ```ts
 * const plan = planSlurm(job, profile);
 * console.log(plan.script); // #!/bin/bash, #SBATCH lines, exports, srun …
 * ```
 */
export interface SlurmPlan extends Plan {
  readonly executor: "slurm";
  readonly target: SlurmTarget;
  /** `user@host:port`, `host` or `local`, for messages and to match dependencies. */
  readonly label: string;
  /** The job's directory on the cluster as written (may start with `~/`): script, logs, exit code, secrets. */
  readonly jobDir: string;
  readonly script: string;
  /** Run in the job's directory, secret variables unset; prints `id[;cluster]`. */
  readonly submit: readonly string[];
  /** Variables shipped in `secrets.env` (0600 in the 0700 job directory), never in the script. */
  readonly secrets: Readonly<Record<string, Secret>>;
  /** With `package = "git"`/`"dir"`: the code shipped as an archive beside the script, unpacked into `code/`. */
  readonly code: ShippedCode | undefined;
  /** The directory the command runs in, for people: `workdir`, the shipped code's, or the job directory. */
  readonly runsIn: string;
  /** Array task indices, or `undefined` for a single job. */
  readonly arrayIndices: readonly number[] | undefined;
  /** A sweep's parameter file (`sweep.params`, shipped beside the script; no secret in it), else `undefined`. */
  readonly sweepParams: string | undefined;
}

/**
 * Plans a slurm job. Pure: the same job and profile always give the same plan.
 *
 * @example
 * ```ts
 * console.log(renderSlurm(planSlurm(job, profile)));
 * ```
 */
export function planSlurm(job: Job, profile: SlurmProfile): SlurmPlan {
  const { settings } = profile;
  const label = targetLabel(settings.target);
  const indices = job.array === undefined ? undefined : arrayIndices(job.array);
  const { plain, secrets } = splitEnv(job);
  const image = job.image ?? settings.containerImage;
  const multiNode = job.resources.nodes > 1;
  const srun = [
    `--nodes=${job.resources.nodes}`,
    "--ntasks-per-node=1",
    "--kill-on-bad-exit=1",
    ...(image === undefined
      ? []
      : [
          `--container-image=${image}`,
          ...(settings.containerMounts.length === 0
            ? []
            : [`--container-mounts=${settings.containerMounts.join(",")}`]),
          // Image ENV would win over the step's environment otherwise (a pyxis behaviour).
          `--container-env=${[...Object.keys(plain), ...Object.keys(secrets)].sort().join(",")}`,
          ...(job.workdir === undefined ? [] : [`--container-workdir=${job.workdir}`]),
        ]),
  ];
  const script = sbatchScript({
    jobId: job.id,
    profile: profile.name,
    directives: directives(job, settings, label, indices !== undefined),
    env: plain,
    hasSecrets: Object.keys(secrets).length > 0,
    rankZeroOnly: multiNode ? Object.keys(job.rankZeroEnv).sort() : [],
    setup: settings.setup,
    workdir:
      job.workdir !== undefined
        ? { kind: "path", path: job.workdir }
        : job.code !== undefined
          ? { kind: "code" }
          : undefined,
    srun,
    // Each rank, not only each node, drops rank 0's variables under torchrun; a Python script loses its interpreter.
    command: job.sweep === undefined ? commandOf(job, job.command) : [],
    sweep: job.sweep !== undefined,
    torchrun:
      job.launcher === "torchrun"
        ? { nodes: job.resources.nodes, nprocPerNode: job.resources.nprocPerNode }
        : undefined,
    retries: job.retries ?? settings.retries,
    arrayTasks: indices?.length,
  });
  const jobDir = `${settings.remoteJobDir}/${job.id}`;
  return {
    executor: "slurm",
    jobId: job.id,
    target: settings.target,
    label,
    jobDir,
    script,
    // sbatch stores the caller's environment with the job (--export=ALL): a key there would sit in slurmctld's state.
    submit: [
      ...withoutVariables([...new Set([...SECRET_ENV_NAMES, ...Object.keys(secrets)])].sort()),
      "sbatch",
      "--parsable",
      JOB_FILES.script,
    ],
    secrets,
    code: job.code,
    runsIn:
      job.workdir ??
      (job.code === undefined
        ? `${jobDir} (the job directory)`
        : `${jobDir}/${JOB_FILES.code}${job.code.subdir === "" ? "" : `/${job.code.subdir}`}`),
    arrayIndices: indices,
    sweepParams:
      job.sweep === undefined
        ? undefined
        : sweepParams({
            tasks: job.sweep.tasks.map((task) => ({ command: commandOf(job, task.command), env: task.env })),
          }),
  };
}

function commandOf(job: Job, command: readonly string[]): readonly string[] {
  return job.launcher === "torchrun" ? torchrunArgs(command, Object.keys(job.rankZeroEnv)) : command;
}

/** The `#SBATCH` options: identity and logs first, then resources, placement and the user's own. */
function directives(job: Job, settings: SlurmSettings, label: string, isArray: boolean): string[] {
  const suffix = isArray ? "-%a" : "";
  const { resources } = job;
  const cpus = settings.cpusPerTask ?? resources.cpusPerNode;
  const retries = job.retries ?? settings.retries;
  const optional = (flag: string, value: string | number | undefined): string[] =>
    value === undefined ? [] : [`--${flag}=${value}`];
  return [
    `--job-name=${job.id}`,
    `--comment=${commentTag(job.id)}`,
    `--output=stdout${suffix}.log`,
    `--error=stderr${suffix}.log`,
    ...optional("array", job.array),
    `--nodes=${resources.nodes}`,
    "--ntasks-per-node=1",
    ...(resources.gpusPerNode > 0 ? [`--gpus-per-node=${resources.gpusPerNode}`] : []),
    ...optional("cpus-per-task", cpus),
    ...optional("mem", resources.memory),
    ...optional("account", settings.account),
    ...optional("partition", settings.partition),
    ...optional("qos", settings.qos),
    // A recipe's `time` wins over the profile's.
    ...optional("time", job.time ?? settings.time),
    ...optional("constraint", settings.constraint),
    ...(settings.exclusive ? ["--exclusive"] : []),
    ...dependency(job, label),
    // A requeued run appends to the same logs instead of truncating the earlier attempt's.
    ...(retries > 0 ? ["--requeue", "--open-mode=append"] : []),
    ...settings.sbatchArgs,
  ];
}

function dependency(job: Job, label: string): string[] {
  if (job.dependsOn.length === 0) return [];
  const ids = job.dependsOn.map((dep) => {
    const problem =
      dep.executor !== "slurm"
        ? `runs on the ${dep.executor} executor; Slurm can only wait for Slurm jobs`
        : dep.nativeId === ""
          ? "was never submitted"
          : dep.target !== undefined && dep.target !== label
            ? `runs on ${dep.target}, not on ${label}; Slurm can only wait for jobs of its own cluster`
            : dep.state === "failed" || dep.state === "cancelled"
              ? `already ${dep.state}, so this job could never start`
              : undefined;
    if (problem !== undefined) {
      throw new SlipwayError("RECIPE_INVALID", `cannot depend on ${dep.id}: it ${problem}`);
    }
    return dep.nativeId;
  });
  return [`--dependency=afterok:${ids.join(":")}`];
}

function withoutVariables(names: readonly string[]): string[] {
  return names.length === 0 ? [] : ["env", ...names.flatMap((name) => ["-u", name])];
}

/**
 * The `--comment` that marks a job as this slipway job, so a submit whose answer was lost finds it again.
 *
 * @example
 * ```ts
 * commentTag("sft-k3j9x2"); // "slipway:sft-k3j9x2"
 * ```
 */
export function commentTag(jobId: string): string {
  return `slipway:${jobId}`;
}
