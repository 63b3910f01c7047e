import * as z from "zod";
import { choice, nonEmptyStr, str } from "./fields.ts";
import { WANDB_MODES } from "./types.ts";

// Every [wandb] value reaches jobs as an environment variable (WANDB_PROJECT, WANDB_TAGS, …).
const ENV = "process environment";

/**
 * The `[wandb]` section as written: strings may hold `${env:…}`. W&B-specific value checks live in the tracking
 * module, not here.
 *
 * @example
 * ```ts
 * wandbSchema().parse({ project: "llm-sft", tags: ["sft"] });
 * ```
 */
export function wandbSchema() {
  return (built ??= buildWandbSchema());
}

let built: ReturnType<typeof buildWandbSchema> | undefined;

// Built on first use: a launch whose env.toml was checked before by the same CLI needs no schema.
function buildWandbSchema() {
  return z
    .strictObject({
      project: str(ENV).describe("W&B project the runs are logged to."),
      entity: str(ENV).describe("W&B entity (user or team) owning the project."),
      base_url: str(ENV).describe("W&B server URL, for self-hosted W&B; the default is the public cloud."),
      name: str(ENV).describe("Run name; the default lets W&B pick one."),
      group: str(ENV).describe("Run group, to view related runs together."),
      job_type: str(ENV).describe("Run job type, e.g. `train` or `eval`."),
      tags: z.array(str(ENV)).describe("Run tags."),
      notes: str(ENV).describe("Run notes (a longer description)."),
      mode: choice(WANDB_MODES).describe("W&B mode: `online`, `offline` (sync later) or `disabled`."),
      require_key: z
        .boolean()
        .describe("Fail the launch when no W&B API key is found, instead of warning and running offline.")
        .meta({ default: false }),
      env_file: nonEmptyStr().describe(
        "A dotenv file whose variables every profile's jobs get, beneath a profile's own `env_file`; relative to this env.toml, `~` expanded. Its `WANDB_API_KEY` is the W&B key unless the environment sets one.",
      ),
    })
    .partial()
    .describe("Weights & Biases settings shared by every profile.");
}

/** The `[wandb]` section after validation, `${env:…}` not yet resolved. */
export type RawWandb = z.output<ReturnType<typeof wandbSchema>>;
