import { SlipwayError } from "../errors.ts";
import type { Plan } from "../executors/types.ts";
import { dryRun, type LaunchOptions } from "../launch.ts";
import { dryRunSweep } from "../launch-sweep.ts";
import type { Runtime } from "../runtime.ts";
import type { ExperimentFile } from "./experiment-file.ts";
import { stepRecipe } from "./experiment-plan.ts";
import type { ExperimentRecord } from "./experiment-record.ts";

/**
 * Dry-runs every step of a new experiment with its profile, before anything is recorded or started, and gives back
 * the record with each Slurm step's cluster (`user@host:port`), which lets steps on one cluster wait for each other
 * natively. A step that would not launch — an unknown profile, a bad recipe, a placeholder no sweep fills, a
 * capability its executor lacks — fails the whole experiment now, every such step named, rather than hours later.
 *
 * @example
 * ```ts
 * const checked = await checkSteps(planExperiment(file, context), file, runtime);
 * checked.steps.find((s) => s.name === "train")?.cluster; // "alice@login1:22"
 * ```
 */
export async function checkSteps(
  record: ExperimentRecord,
  file: ExperimentFile,
  runtime: Runtime,
): Promise<ExperimentRecord> {
  const definitions = new Map(file.steps.map((step) => [step.name, step]));
  const problems: string[] = [];
  const steps = [];
  for (const step of record.steps) {
    const definition = definitions.get(step.name);
    if (definition === undefined) continue;
    const { recipe, sweep } = stepRecipe(record, step, definition);
    const options: LaunchOptions = {
      profile: step.profile,
      env: runtime.env,
      cwd: record.cwd,
      homeDir: runtime.homeDir,
      connections: runtime.connections,
      onNotice: () => undefined,
      ...(record.config === undefined ? {} : { config: record.config }),
    };
    try {
      const plans =
        sweep === undefined
          ? [(await dryRun(recipe, options)).plan]
          : (await dryRunSweep(recipe, sweep, options)).plans;
      const cluster = plans[0] === undefined ? undefined : clusterOf(plans[0]);
      steps.push(cluster === undefined ? step : { ...step, cluster });
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).replaceAll("\n", "\n    ");
      const hint = error instanceof SlipwayError && error.hint !== undefined ? ` (${error.hint})` : "";
      problems.push(`  step ${step.name} (profile ${step.profile}): ${message}${hint}`);
    }
  }
  if (problems.length > 0) {
    throw new SlipwayError(
      "RECIPE_INVALID",
      `${record.file}: ${problems.length === 1 ? "a step" : `${problems.length} steps`} would not launch, so nothing started:\n${problems.join("\n")}`,
      { hint: "slipway launch -p <profile> --dry-run -- <command> shows one step's problem in full" },
    );
  }
  return { ...record, steps };
}

/** The Slurm cluster a plan submits to, as its dependencies compare it; `undefined` for other executors. */
function clusterOf(plan: Plan): string | undefined {
  return plan.executor === "slurm" && "label" in plan && typeof plan.label === "string"
    ? plan.label
    : undefined;
}
