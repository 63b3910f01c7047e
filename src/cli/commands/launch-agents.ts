import type { Recipe } from "../../job/recipe.ts";
import type { LaunchOptions } from "../../launch.ts";
import { dryRunAgents, launchAgents, type AgentRecipe } from "../../launch-agents.ts";
import type { WandbAgents } from "../../sweep/plan-agents.ts";
import { printJson } from "../output.ts";
import { UsageError } from "../usage-error.ts";
import type { LaunchFlags } from "./launch.ts";
import { reportLaunchedSweep } from "./launch-sweep.ts";

/**
 * `slipway launch --wandb-sweep entity/project/id --agents N [--count K]`: starts (or, with `--dry-run`, shows) N
 * `wandb agent` workers. The command after `--` is refused: the agent runs the sweep's own program.
 */
export async function runAgentsLaunch(
  recipe: Recipe,
  options: LaunchOptions,
  flags: LaunchFlags,
): Promise<number> {
  const agents = agentsOf(recipe, flags);
  // The recipe's command is empty and --array was refused: the agent command replaces both.
  const agentRecipe: AgentRecipe = { ...recipe, name: flags.name ?? "agent" };
  if (flags.dryRun === true) {
    const result = await dryRunAgents(agents, agentRecipe, options);
    if (flags.json === true) printJson(result.record);
    else process.stdout.write(`${result.rendered}\n`);
    return 0;
  }
  return reportLaunchedSweep(await launchAgents(agents, agentRecipe, options), flags, "agents");
}

function agentsOf(recipe: Recipe, flags: LaunchFlags): WandbAgents {
  const sweep = flags.wandbSweep ?? "";
  if ((recipe.command ?? []).length > 0) {
    throw new UsageError(
      `--wandb-sweep starts \`wandb agent\`, which runs the sweep's own program; ${JSON.stringify(recipe.command?.[0])} has no place here`,
      `drop the command: slipway launch -p <profile> --wandb-sweep ${sweep} --agents 4`,
    );
  }
  if ((flags.sweep ?? []).length > 0) {
    throw new UsageError(
      "--sweep and --wandb-sweep both say what to sweep",
      "--sweep NAME=VALUES sweeps with slipway; --wandb-sweep runs agents of a sweep made with `wandb sweep`: give one",
    );
  }
  if (flags.array !== undefined) {
    throw new UsageError(
      "--array and --wandb-sweep: the agents are the array",
      "drop --array and set --agents N",
    );
  }
  return {
    sweep,
    agents: flags.agents ?? 1,
    ...(flags.count === undefined ? {} : { count: flags.count }),
  };
}
