import type { Recipe } from "../job/recipe.ts";
import { newJobId } from "../job/job-id.ts";
import type { Sweep } from "../sweep/expand-sweep.ts";
import type { ExperimentFile, ExperimentStep } from "./experiment-file.ts";
import { topologicalOrder } from "./experiment-graph.ts";
import type { ExperimentRecord, StepRecord } from "./experiment-record.ts";

/** What the world gives a new experiment: where it runs from, the clock, the randomness of ids, the file's hash. */
export interface ExperimentPlanContext {
  readonly cwd: string;
  readonly now: Date;
  readonly fileHash: string;
  readonly config?: string | undefined;
  readonly random?: (size: number) => Uint8Array;
}

/**
 * The record of a new experiment: its id (`<name>-<6 chars>`, the W&B group of every step), and each step, in an
 * order where predecessors come first, `waiting`, with the job (or sweep) id it will launch under. Pure.
 *
 * @example
 * ```ts
 * const record = planExperiment(file, { cwd: "/repo", now: new Date(), fileHash: "…" });
 * record.steps.map((s) => s.name); // ["prep", "train", "eval"]
 * ```
 */
export function planExperiment(file: ExperimentFile, context: ExperimentPlanContext): ExperimentRecord {
  const order = topologicalOrder(file.steps);
  const byName = new Map(file.steps.map((step) => [step.name, step]));
  const steps = order.flatMap((name): StepRecord[] => {
    const step = byName.get(name);
    if (step === undefined) return [];
    return [
      {
        name,
        profile: step.profile,
        after: [...(step.after ?? [])],
        sweep: step.sweep !== undefined,
        jobId: newJobId(step.sweep === undefined ? name : `${name.slice(0, 33)} sweep`, context.random),
        state: "waiting",
      },
    ];
  });
  return {
    version: 1,
    id: newJobId(file.name, context.random),
    name: file.name,
    file: file.file,
    fileHash: context.fileHash,
    ...(context.config === undefined ? {} : { config: context.config }),
    cwd: context.cwd,
    createdAt: context.now.toISOString(),
    steps,
  };
}

/**
 * The variable that tells a step the job id of a predecessor: `SLIPWAY_STEP_<NAME>_JOB_ID`, the name upper-cased
 * and every character that is not a letter or digit turned into `_`.
 *
 * @example
 * ```ts
 * stepJobIdVariable("pre-process"); // "SLIPWAY_STEP_PRE_PROCESS_JOB_ID"
 * ```
 */
export function stepJobIdVariable(name: string): string {
  return `SLIPWAY_STEP_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_JOB_ID`;
}

/**
 * The recipe (and sweep) a step launches: its own keys, plus `SLIPWAY_EXPERIMENT_ID`, the job id of every step it
 * waits for, and the W&B group (the experiment id) and job type (the step's name). Pure.
 *
 * @example
 * ```ts
 * const { recipe } = stepRecipe(record, step, fileStep);
 * recipe.env?.["SLIPWAY_STEP_PREP_JOB_ID"]; // "prep-k3j9x2"
 * ```
 */
export function stepRecipe(
  record: ExperimentRecord,
  step: StepRecord,
  definition: ExperimentStep,
): { recipe: Recipe; sweep: Sweep | undefined } {
  const predecessors = Object.fromEntries(
    step.after.map((name) => [
      stepJobIdVariable(name),
      record.steps.find((other) => other.name === name)?.jobId ?? "",
    ]),
  );
  const recipe: Recipe = {
    name: step.name,
    ...(definition.command === undefined ? {} : { command: definition.command }),
    ...(definition.script === undefined ? {} : { script: definition.script }),
    env: {
      ...definition.env,
      SLIPWAY_EXPERIMENT_ID: record.id,
      ...predecessors,
      // The recipe's env wins over tracking variables, so a sweep's own group gives way to the experiment's.
      WANDB_RUN_GROUP: record.id,
      WANDB_JOB_TYPE: step.name,
    },
    ...(definition.workdir === undefined ? {} : { workdir: definition.workdir }),
    ...(definition.image === undefined ? {} : { image: definition.image }),
    ...(definition.time === undefined ? {} : { time: definition.time }),
    ...(definition.retries === undefined ? {} : { retries: definition.retries }),
    ...(definition.package === undefined ? {} : { package: definition.package }),
  };
  const sweep: Sweep | undefined =
    definition.sweep === undefined
      ? undefined
      : {
          params: Object.fromEntries(
            Object.entries(definition.sweep).map(([name, values]) => [name, values.map(String)]),
          ),
          ...(definition.max_parallel === undefined ? {} : { maxParallel: definition.max_parallel }),
        };
  return { recipe, sweep };
}
