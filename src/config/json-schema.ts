import * as z from "zod";
import { PROFILE_SCHEMAS } from "./profile-schemas.ts";
import { wandbSchema } from "./wandb-schema.ts";
import { EXECUTOR_KINDS } from "./types.ts";

/**
 * The JSON Schema (draft 2020-12) of env.toml, for TOML editors that follow a `#:schema ./env.schema.json` first line
 * (Taplo, Even Better TOML): `[wandb]`, and every other table a profile. A profile may leave `executor` to `extends`,
 * so profiles are an `anyOf` of the executors' tables rather than a `oneOf` keyed on a required `executor`; each key
 * still carries its description. Chain-level rules (required keys after merging, cycles) are checked by slipway only.
 *
 * @example
 * ```ts
 * writeFileSync("env.schema.json", `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
 * ```
 */
export function configJsonSchema(): object {
  const profile = z
    .union(EXECUTOR_KINDS.map((kind) => PROFILE_SCHEMAS[kind]))
    .describe(`A profile: how and where to run a job. \`executor\` is one of ${EXECUTOR_KINDS.join(", ")}.`);
  const file = z
    .object({ wandb: wandbSchema().optional() })
    .catchall(profile)
    .meta({
      title: "slipway env.toml",
      description:
        "Where slipway runs jobs. `[wandb]` holds W&B settings; every other table is a named profile. " +
        "Any string may use ${env:NAME} or ${env:NAME:-default}, resolved at launch.",
    });
  return z.toJSONSchema(file, { target: "draft-2020-12", io: "input" });
}
