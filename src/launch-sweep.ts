import type { Executor } from "./executors/executor-module.ts";
import type { Plan } from "./executors/types.ts";
import { newJobId } from "./job/job-id.ts";
import type { Recipe } from "./job/recipe.ts";
import { setUpLaunch, type LaunchedJob, type LaunchOptions } from "./launch.ts";
import { runtimeOf } from "./runtime.ts";
import type { Sweep } from "./sweep/expand-sweep.ts";
import { planSweep, type PlannedSweep } from "./sweep/plan-sweep.ts";
import type { SweepRecord } from "./sweep/sweep-record.ts";
import type { SweepValues } from "./sweep/sweep-spec.ts";
import { submitSweepJobs } from "./sweep/submit-sweep-jobs.ts";
import { shqJoin } from "./shell-quote.ts";

/**
 * A launched sweep: its id (the W&B group of every run), its record, and the launched jobs — one array job on
 * Slurm, one job per combination elsewhere.
 *
 * @example
 * ```ts
 * const sweep: LaunchedSweep = await launchSweep(recipe, { params: { lr: ["1e-4", "3e-4"] } }, { profile: "local" });
 * console.log(sweep.id, sweep.record.runs.length, sweep.jobs.length);
 * ```
 */
export interface LaunchedSweep {
  readonly id: string;
  readonly record: SweepRecord;
  readonly jobs: readonly LaunchedJob[];
}

/**
 * What a sweep would launch, without launching it: every combination and the native requests.
 *
 * @example
 * ```ts
 * const { rendered } = await dryRunSweep(recipe, { params: { lr: ["1e-4", "3e-4"] } }, { profile: "cluster" });
 * console.log(rendered); // the combinations, then the one sbatch script and its parameter file
 * ```
 */
export interface SweepDryRun {
  readonly id: string;
  readonly record: SweepRecord;
  /** The combinations (index, values, command), then the native request(s), secrets as `***`. */
  readonly rendered: string;
  /** The native requests: one array job's plan on Slurm, one plan per combination elsewhere. */
  readonly plans: readonly Plan[];
}

/**
 * Launches every combination of a sweep's parameters: `{name}` placeholders in the recipe's command, script and env
 * values take each combination's values. Every run is grouped in W&B by the sweep id (`WANDB_RUN_GROUP`), named
 * after its combination and tagged `name=value` per parameter. On Slurm the sweep is one array job (`maxParallel`
 * becomes `%K`); elsewhere one job per combination. The sweep is recorded in the job store before anything is
 * submitted, so `slipway status <sweep id>` and `slipway cancel <sweep id>` find every job.
 *
 * @example
 * ```ts
 * const recipe = { name: "sft", command: ["python", "train.py", "--lr", "{lr}", "--bs", "{bs}"] };
 * const sweep = await launchSweep(recipe, { params: { lr: ["1e-4", "3e-4"], bs: [16, 32] } }, { profile: "cluster" });
 * console.log(sweep.id); // "sft-sweep-k3j9x2"
 * ```
 */
export async function launchSweep(
  recipe: Recipe,
  sweep: Sweep,
  options: LaunchOptions = {},
): Promise<LaunchedSweep> {
  const runtime = runtimeOf(options);
  const { executor, code, context } = await setUpLaunch(recipe, options, runtime);
  const id = options.id ?? newSweepId(recipe.name);
  const planned = planSweep(recipe, sweep, executor, context, id);
  const record = recordOf(recipe, sweep, executor, planned, id, context.now);
  const jobs = await submitSweepJobs(executor, record, planned, runtime, {
    detach: options.detach ?? false,
    code,
  });
  return { id, record, jobs };
}

/**
 * Plans a sweep and renders it, without starting or recording anything.
 *
 * @example
 * ```ts
 * const { rendered } = await dryRunSweep(recipe, { params: { lr: ["1e-4", "3e-4"] } }, { profile: "cluster" });
 * ```
 */
export async function dryRunSweep(
  recipe: Recipe,
  sweep: Sweep,
  options: LaunchOptions = {},
): Promise<SweepDryRun> {
  const runtime = runtimeOf(options);
  const { executor, context } = await setUpLaunch(recipe, options, runtime);
  const id = newSweepId(recipe.name);
  const planned = planSweep(recipe, sweep, executor, context, id);
  const record = recordOf(recipe, sweep, executor, planned, id, context.now);
  const combos = record.runs.map(
    (run) =>
      `  ${String(run.index).padStart(String(record.runs.length - 1).length)}  ${Object.entries(run.values)
        .map(([name, value]) => `${name}=${value}`)
        .join(
          " ",
        )}  ${run.jobId}${run.arrayIndex === undefined ? "" : `[${run.arrayIndex}]`}  ${shqJoin(run.command)}`,
  );
  const [first] = planned.plans;
  const requests =
    first === undefined
      ? []
      : planned.plans.length === 1
        ? [executor.render(first)]
        : [
            executor.render(first),
            `(and ${planned.plans.length - 1} more requests like it, one per combination)`,
          ];
  const rendered = [
    `sweep ${id} on profile ${executor.profile.name} (${executor.kind}): ${record.runs.length} combinations, ${
      executor.kind === "slurm"
        ? "one array job"
        : executor.kind === "kubernetes"
          ? "one Indexed Job"
          : `${planned.jobs.length} jobs`
    }${sweep.maxParallel === undefined ? "" : `, at most ${sweep.maxParallel} at once`}`,
    ...combos,
    "",
    ...requests,
  ].join("\n");
  return { id, record, rendered, plans: planned.plans };
}

function isList(values: SweepValues): values is readonly (string | number)[] {
  return Array.isArray(values);
}

/** `<name>-sweep-<6 chars>`, with the grammar of job ids (the name is cut so that `-sweep` survives). */
function newSweepId(name: string): string {
  return newJobId(`${name.slice(0, 33)} sweep`);
}

function recordOf(
  recipe: Recipe,
  sweep: Sweep,
  executor: Executor,
  planned: PlannedSweep,
  id: string,
  now: Date,
): SweepRecord {
  return {
    version: 1,
    id,
    name: recipe.name,
    profile: executor.profile.name,
    executor: executor.kind,
    createdAt: now.toISOString(),
    mode: sweep.mode ?? "grid",
    ...(sweep.mode === "random" ? { seed: sweep.seed ?? 0 } : {}),
    ...(sweep.maxParallel === undefined ? {} : { maxParallel: sweep.maxParallel }),
    params: Object.fromEntries(
      Object.entries(sweep.params).map(([name, values]) => [
        name,
        isList(values) ? values.map(String) : { ...values },
      ]),
    ),
    runs: planned.runs,
  };
}
