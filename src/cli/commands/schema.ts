import { configJsonSchema } from "../../config/json-schema.ts";
import { printJson } from "../output.ts";

/** `slipway schema`: the JSON Schema of env.toml. */
export function runSchema(): Promise<number> {
  printJson(configJsonSchema());
  return Promise.resolve(0);
}
