import { newJobId } from "./job/job-id.ts";
import type { Recipe } from "./job/recipe.ts";
import { setUpLaunch, type LaunchOptions } from "./launch.ts";
import type { LaunchedSweep, SweepDryRun } from "./launch-sweep.ts";
import { runtimeOf } from "./runtime.ts";
import { planAgents, type PlannedAgents, type WandbAgents } from "./sweep/plan-agents.ts";
import type { SweepRecord } from "./sweep/sweep-record.ts";
import { submitSweepJobs } from "./sweep/submit-sweep-jobs.ts";
import type { Executor } from "./executors/executor-module.ts";

/**
 * What an agents launch takes from a recipe: everything but the command, which is `wandb agent …`.
 *
 * @example
 * ```ts
 * const recipe: AgentRecipe = { name: "agent", resources: { gpusPerNode: 1 }, time: "04:00:00" };
 * ```
 */
export type AgentRecipe = Omit<Recipe, "command" | "script" | "array">;

/**
 * Starts `wandb agent` workers for a W&B sweep created with `wandb sweep`: one Slurm array job of `agents` tasks,
 * or `agents` jobs on the other executors. Each agent gets the profile's tracking env and API key the way every
 * job does (never on a command line), the sweep's project and entity, and no `WANDB_RUN_ID`/`WANDB_NAME` — the
 * agent names each run it takes. The agents are recorded like a sweep: `slipway status <id>` shows one line per
 * agent and `slipway cancel <id>` stops them all.
 *
 * @example
 * ```ts
 * const launched = await launchAgents({ sweep: "acme/llm/abc123xy", agents: 8, count: 4 }, { name: "agent" },
 *   { profile: "cluster", detach: true });
 * console.log(launched.id); // "agent-abc123xy-k3j9x2"
 * ```
 */
export async function launchAgents(
  agents: WandbAgents,
  recipe: AgentRecipe = { name: "agent" },
  options: LaunchOptions = {},
): Promise<LaunchedSweep> {
  const runtime = runtimeOf(options);
  const { executor, code, context } = await setUpLaunch(withCommand(recipe), options, runtime);
  const id = options.id ?? newJobId(`${recipe.name.slice(0, 20)} ${agents.sweep.split("/").pop() ?? ""}`);
  const planned = planAgents(recipe, agents, executor, context, id);
  const record = recordOf(recipe, agents, executor, planned, id, context.now);
  const jobs = await submitSweepJobs(executor, record, planned, runtime, {
    detach: options.detach ?? false,
    code,
  });
  return { id, record, jobs };
}

/**
 * What {@link launchAgents} would start, without starting or recording anything: the agents and the native
 * request(s), secrets as `***`.
 *
 * @example
 * ```ts
 * const { rendered } = await dryRunAgents({ sweep: "acme/llm/abc123xy", agents: 8 }, { name: "agent" },
 *   { profile: "cluster" });
 * ```
 */
export async function dryRunAgents(
  agents: WandbAgents,
  recipe: AgentRecipe = { name: "agent" },
  options: LaunchOptions = {},
): Promise<SweepDryRun> {
  const runtime = runtimeOf(options);
  const { executor, context } = await setUpLaunch(withCommand(recipe), options, runtime);
  const id = newJobId(`${recipe.name.slice(0, 20)} ${agents.sweep.split("/").pop() ?? ""}`);
  const planned = planAgents(recipe, agents, executor, context, id);
  const record = recordOf(recipe, agents, executor, planned, id, context.now);
  const [first] = planned.plans;
  const more = planned.plans.length - 1;
  const rendered = [
    `${agents.agents} W&B agent${agents.agents === 1 ? "" : "s"} for sweep ${planned.path.path} on profile ${executor.profile.name} (${executor.kind}): ${
      executor.kind === "slurm" ? "one array job" : `${planned.jobs.length} jobs`
    }${agents.count === undefined ? "" : `, ${agents.count} runs each`}`,
    "",
    ...(first === undefined ? [] : [executor.render(first)]),
    ...(more > 0 ? [`(and ${more} more request${more === 1 ? "" : "s"} like it, one per agent)`] : []),
  ].join("\n");
  return { id, record, rendered, plans: planned.plans };
}

/** The recipe as setUpLaunch sees it (it packs code and reads notices; the command is only a placeholder). */
function withCommand(recipe: AgentRecipe): Recipe {
  return { ...recipe, command: ["wandb", "agent"] };
}

function recordOf(
  recipe: AgentRecipe,
  agents: WandbAgents,
  executor: Executor,
  planned: PlannedAgents,
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
    mode: "wandb-agents",
    wandbSweep: planned.path.path,
    ...(agents.count === undefined ? {} : { count: agents.count }),
    params: {},
    runs: planned.runs,
  };
}
