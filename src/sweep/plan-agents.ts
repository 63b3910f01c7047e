import { SlipwayError } from "../errors.ts";
import { checkCapabilities } from "../executors/check-capabilities.ts";
import type { Executor } from "../executors/executor-module.ts";
import { buildJob, type BuildJobContext } from "../job/job.ts";
import type { Recipe } from "../job/recipe.ts";
import type { PlannedSweep } from "./plan-sweep.ts";
import { parseWandbSweepPath, type WandbSweepPath } from "./wandb-sweep-path.ts";

/**
 * W&B sweep agents to start: `agents` workers running `wandb agent <sweep>`, each taking runs from the W&B sweep
 * until it is done (or `count` runs each).
 *
 * @example
 * ```ts
 * const agents: WandbAgents = { sweep: "acme/llm/abc123xy", agents: 8, count: 4 };
 * ```
 */
export interface WandbAgents {
  /** `entity/project/sweep-id`, or `project/sweep-id` with the entity from `[wandb]`. */
  readonly sweep: string;
  /** How many agents run (one Slurm array of this many tasks, else this many jobs). */
  readonly agents: number;
  /** Runs each agent takes before it stops (`wandb agent --count`); default: until the sweep is done. */
  readonly count?: number;
}

/** What a launch of agents starts: the planned jobs plus the sweep they work for. */
export interface PlannedAgents extends Omit<PlannedSweep, "combinations"> {
  readonly path: WandbSweepPath;
}

/** More agents than this in one launch is almost surely a typo; W&B itself serves a sweep to a few hundred. */
const MAX_AGENTS = 1000;

/**
 * Plans `wandb agent` workers for a W&B sweep: the agent command replaces the recipe's, and the job gets the
 * tracking env and key like any job, but no `WANDB_RUN_ID` or `WANDB_NAME` (the agent gives each run its own) and
 * the sweep's project and entity. On Slurm the agents are one array job (task `i` is agent `i`); elsewhere one job
 * per agent. Refused before anything starts: no key or offline tracking (an agent must reach W&B), torchrun or more
 * than one node (the agent starts the program itself), a command, an array. Pure but for the executor's `plan`.
 *
 * @example
 * ```ts
 * const { jobs, runs } = planAgents({ name: "agent" }, { sweep: "acme/llm/abc123xy", agents: 4 }, executor, context, id);
 * jobs[0]?.command; // ["wandb", "agent", "acme/llm/abc123xy"]
 * ```
 */
export function planAgents(
  recipe: Omit<Recipe, "command">,
  agents: WandbAgents,
  executor: Executor,
  context: BuildJobContext,
  id: string,
): PlannedAgents {
  const entity = executor.tracking.vars["WANDB_ENTITY"];
  const path = parseWandbSweepPath(agents.sweep, typeof entity === "string" ? entity : undefined);
  checkAgents(recipe, agents, executor);
  const command = [
    "wandb",
    "agent",
    ...(agents.count === undefined ? [] : ["--count", String(agents.count)]),
    path.path,
  ];
  const agentRecipe: Recipe = {
    ...recipe,
    command,
    tracking: { ...recipe.tracking, project: path.project, entity: path.entity, runId: false, name: false },
  };
  const slurm = executor.kind === "slurm";
  const built = slurm
    ? [
        buildJob({ ...agentRecipe, array: `0-${agents.agents - 1}` }, executor.profile, executor.tracking, {
          ...context,
          id,
        }),
      ]
    : Array.from({ length: agents.agents }, () =>
        buildJob(agentRecipe, executor.profile, executor.tracking, context),
      );
  for (const job of built) {
    const mode = job.env["WANDB_MODE"];
    if (mode === "offline" || mode === "disabled") {
      invalid(
        `a W&B agent fetches its runs from W&B, and profile ${executor.profile.name} sets WANDB_MODE=${mode}`,
        'drop mode = "offline" / "disabled" under [wandb] (or WANDB_MODE in the profile\'s env) for the agents',
      );
    }
    if (job.launcher === "torchrun") {
      invalid(
        `profile ${executor.profile.name} starts jobs with torchrun, and a W&B agent starts the program itself`,
        'use a profile without launcher = "torchrun", or have the sweep\'s program call torchrun',
      );
    }
    if (job.resources.nodes > 1) {
      invalid(
        `an agent runs on one node, and this launch asks for ${job.resources.nodes}`,
        "drop --nodes (or the profile's nodes); start more agents instead",
      );
    }
    checkCapabilities(job, executor.capabilities);
  }
  return {
    path,
    jobs: built,
    plans: built.map((job) => executor.plan(job)),
    runs: Array.from({ length: agents.agents }, (_, index) => ({
      index,
      values: { agent: String(index) },
      jobId: slurm ? id : (built[index]?.id ?? ""),
      ...(slurm ? { arrayIndex: index } : {}),
      command,
    })),
  };
}

function checkAgents(recipe: Omit<Recipe, "command">, agents: WandbAgents, executor: Executor): void {
  if (!Number.isSafeInteger(agents.agents) || agents.agents < 1 || agents.agents > MAX_AGENTS) {
    invalid(`--agents ${agents.agents}: expected a whole number from 1 to ${MAX_AGENTS}`);
  }
  if (agents.count !== undefined && (!Number.isSafeInteger(agents.count) || agents.count < 1)) {
    invalid(`--count ${agents.count}: expected a whole number of runs per agent, at least 1`);
  }
  if (recipe.script !== undefined) {
    invalid("W&B agents run the sweep's own program: a recipe.script has no place here", "drop the script");
  }
  if (recipe.array !== undefined) {
    invalid("W&B agents are already an array on Slurm: drop recipe.array (--array) and set --agents");
  }
  const { key } = executor.tracking;
  if (key.status === "missing") {
    invalid(
      `a W&B agent fetches its runs from W&B and needs an API key: ${key.reason}`,
      "log in with `wandb login` (or set WANDB_API_KEY), then launch the agents again",
    );
  }
}

function invalid(message: string, hint?: string): never {
  throw new SlipwayError("RECIPE_INVALID", message, hint === undefined ? {} : { hint });
}
