import { SlipwayError } from "../errors.ts";
import { projectProblem } from "../env/wandb-values.ts";

/**
 * A W&B sweep as `wandb agent` names it: `entity/project/sweep-id`.
 *
 * @example
 * ```ts
 * const path: WandbSweepPath = { entity: "acme", project: "llm", sweepId: "abc123xy", path: "acme/llm/abc123xy" };
 * ```
 */
export interface WandbSweepPath {
  readonly entity: string;
  readonly project: string;
  readonly sweepId: string;
  /** `entity/project/sweep-id`, what the agent's argv gets. */
  readonly path: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const SWEEP_ID = /^[A-Za-z0-9]+$/;

/**
 * Checks a sweep path before anything starts: `entity/project/sweep-id`, or `project/sweep-id` with `entity`
 * (from `[wandb]`) filling the first part. Throws `RECIPE_INVALID` naming what is wrong.
 *
 * @example
 * ```ts
 * parseWandbSweepPath("llm/abc123xy", "acme").path; // "acme/llm/abc123xy"
 * ```
 */
export function parseWandbSweepPath(text: string, entity: string | undefined): WandbSweepPath {
  const parts = text.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === "")) {
    invalid(
      `--wandb-sweep ${JSON.stringify(text)} is not a W&B sweep path: expected entity/project/sweep-id`,
    );
  }
  const [first = "", second = "", third] = parts;
  const [who, project, sweepId] = third === undefined ? [entity, first, second] : [first, second, third];
  if (who === undefined) {
    invalid(
      `--wandb-sweep ${text} names no entity, and [wandb] sets none`,
      "write entity/project/sweep-id, or set entity under [wandb] in env.toml",
    );
  }
  if (!NAME.test(who))
    invalid(`the entity ${JSON.stringify(who)} of --wandb-sweep ${text} is not a W&B name`);
  const problem = projectProblem(project);
  if (problem !== undefined)
    invalid(`the project ${JSON.stringify(project)} of --wandb-sweep ${text} ${problem}`);
  if (!SWEEP_ID.test(sweepId)) {
    invalid(
      `the sweep id ${JSON.stringify(sweepId)} of --wandb-sweep ${text} is not a W&B sweep id (letters and digits)`,
      "copy it from `wandb sweep` output or the sweep's page: entity/project/sweep-id",
    );
  }
  return { entity: who, project, sweepId, path: `${who}/${project}/${sweepId}` };
}

function invalid(message: string, hint = "for example --wandb-sweep acme/llm-sft/abc123xy"): never {
  throw new SlipwayError("RECIPE_INVALID", message, { hint });
}
