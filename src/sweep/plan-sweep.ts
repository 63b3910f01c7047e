import { UnsupportedError, SlipwayError } from "../errors.ts";
import { checkCapabilities } from "../executors/check-capabilities.ts";
import type { Executor } from "../executors/executor-module.ts";
import type { Plan } from "../executors/types.ts";
import { buildJob, type BuildJobContext, type Job } from "../job/job.ts";
import type { Recipe } from "../job/recipe.ts";
import { isSecret } from "../secret.ts";
import { expandSweep, type Combination, type Sweep } from "./expand-sweep.ts";
import type { SweepRecord } from "./sweep-record.ts";
import { sweepRecipes } from "./sweep-recipes.ts";

/**
 * What a sweep launches: its combinations, the jobs and their plans (one array job on Slurm, one job per
 * combination elsewhere) and what its record says of each run.
 *
 * @example
 * ```ts
 * const planned = planSweep(recipe, sweep, executor, context, "sft-sweep-k3j9x2");
 * planned.jobs.length; // 1 on Slurm, planned.runs.length elsewhere
 * ```
 */
export interface PlannedSweep {
  readonly combinations: readonly Combination[];
  readonly jobs: readonly Job[];
  readonly plans: readonly Plan[];
  readonly runs: SweepRecord["runs"];
}

/**
 * Builds and plans every job of a sweep; everything a launch would refuse is refused here, before anything starts.
 * Pure but for the executor's own (pure) `plan`.
 *
 * @example
 * ```ts
 * const { jobs, plans } = planSweep(recipe, { params: { lr: ["1e-4", "3e-4"] } }, executor, context, sweepId);
 * ```
 */
export function planSweep(
  recipe: Recipe,
  sweep: Sweep,
  executor: Executor,
  context: BuildJobContext,
  sweepId: string,
): PlannedSweep {
  const combinations = expandSweep(sweep);
  const profileTags = executor.tracking.vars["WANDB_TAGS"];
  const baseTags = typeof profileTags === "string" && profileTags !== "" ? profileTags.split(",") : [];
  const recipes = sweepRecipes(recipe, sweepId, combinations, baseTags);
  if (executor.kind === "slurm" || executor.kind === "kubernetes") {
    return oneJob(recipes, combinations, sweep, executor, context, sweepId);
  }
  const throttle = executor.capabilities.unsupported["sweep-throttle"];
  if (sweep.maxParallel !== undefined && throttle !== undefined) {
    throw new UnsupportedError(executor.kind, [`maxParallel = ${sweep.maxParallel}: ${throttle}`]);
  }
  const jobs = recipes.map((each) => {
    const job = buildJob(each, executor.profile, executor.tracking, context);
    checkCapabilities(job, executor.capabilities);
    return job;
  });
  return {
    combinations,
    jobs,
    plans: jobs.map((job) => executor.plan(job)),
    runs: jobs.map((job, index) => ({
      index,
      values: { ...combinations[index] },
      jobId: job.id,
      command: [...job.command],
    })),
  };
}

/**
 * On Slurm one array job whose task `i` runs combination `i`, throttled by `%maxParallel`; on Kubernetes one Indexed
 * Job whose completion index `i` does, `maxParallel` at a time (`parallelism`).
 */
function oneJob(
  recipes: readonly Recipe[],
  combinations: readonly Combination[],
  sweep: Sweep,
  executor: Executor,
  context: BuildJobContext,
  sweepId: string,
): PlannedSweep {
  // Built as array tasks: no task gets a run id of its own that every task would share.
  const tasks = recipes.map((each) =>
    buildJob(
      executor.kind === "slurm"
        ? { ...each, array: "0" }
        : { ...each, tracking: { ...each.tracking, runId: false } },
      executor.profile,
      executor.tracking,
      { ...context, id: sweepId },
    ),
  );
  const [first] = tasks;
  if (first === undefined) throw new SlipwayError("RECIPE_INVALID", "a sweep needs at least one combination");
  const varying = new Set(["WANDB_NAME", "WANDB_TAGS"]);
  for (const task of tasks) {
    for (const [name, value] of Object.entries(task.env)) {
      const was = first.env[name];
      if ((isSecret(value) ? value.reveal() : value) !== (isSecret(was) ? was.reveal() : was)) {
        varying.add(name);
      }
    }
  }
  const secret = [...varying].find((name) => tasks.some((task) => isSecret(task.env[name])));
  if (secret !== undefined) {
    throw new SlipwayError(
      "RECIPE_INVALID",
      `sweep parameters reach ${secret}, a secret: the sweep's parameter file holds no secret`,
      { hint: `give ${secret} one value for the whole sweep, or a name that does not look secret` },
    );
  }
  const slurm = executor.kind === "slurm";
  if (!slurm) checkIndexedJob(first, executor);
  const array = `0-${tasks.length - 1}${sweep.maxParallel === undefined ? "" : `%${sweep.maxParallel}`}`;
  const job: Job = {
    ...first,
    array: slurm ? array : undefined,
    sweep: {
      tasks: tasks.map((task) => ({
        command: task.command,
        env: Object.fromEntries([...varying].sort().map((name) => [name, String(task.env[name] ?? "")])),
      })),
      maxParallel: sweep.maxParallel,
    },
  };
  checkCapabilities(job, executor.capabilities);
  return {
    combinations,
    jobs: [job],
    plans: [executor.plan(job)],
    runs: tasks.map((task, index) => ({
      index,
      values: { ...combinations[index] },
      jobId: sweepId,
      arrayIndex: index,
      command: [...task.command],
    })),
  };
}

/** What a combination of an Indexed Job cannot have: its index picks the combination, one pod runs it. */
function checkIndexedJob(job: Job, executor: Executor): void {
  const problem =
    job.resources.nodes > 1
      ? `${job.resources.nodes} nodes per combination: a sweep's Indexed Job runs each combination in one pod`
      : job.launcher === "torchrun"
        ? "launcher torchrun: a sweep's Indexed Job starts each combination's command itself"
        : undefined;
  if (problem !== undefined) {
    throw new UnsupportedError(executor.kind, [problem]);
  }
}
