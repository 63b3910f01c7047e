// `node scripts/write-schema.ts`: regenerates env.schema.json (the JSON Schema TOML editors read through the
// `#:schema ./env.schema.json` line of env.toml) from the zod schemas. A unit test fails when the file is stale.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { configJsonSchema } from "../src/config/json-schema.ts";
import { experimentJsonSchema } from "../src/experiment/experiment-file.ts";

/** Where the schema lives: the repository root, beside env.toml.example. */
export const SCHEMA_FILE = join(import.meta.dirname, "..", "env.schema.json");

/**
 * The text of env.schema.json, formatted by the project's prettier settings so that `format:check` accepts it.
 *
 * @example
 * ```ts
 * expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(await renderSchemaFile());
 * ```
 */
export async function renderSchemaFile(): Promise<string> {
  const options = await prettier.resolveConfig(SCHEMA_FILE);
  return prettier.format(JSON.stringify(configJsonSchema()), { ...options, filepath: SCHEMA_FILE });
}

/** The experiment file's schema, beside env.schema.json. */
export const EXPERIMENT_SCHEMA_FILE = join(import.meta.dirname, "..", "experiment.schema.json");

/**
 * The text of experiment.schema.json, formatted like env.schema.json.
 *
 * @example
 * ```ts
 * expect(readFileSync(EXPERIMENT_SCHEMA_FILE, "utf8")).toBe(await renderExperimentSchemaFile());
 * ```
 */
export async function renderExperimentSchemaFile(): Promise<string> {
  const options = await prettier.resolveConfig(EXPERIMENT_SCHEMA_FILE);
  return prettier.format(JSON.stringify(experimentJsonSchema()), {
    ...options,
    filepath: EXPERIMENT_SCHEMA_FILE,
  });
}

// Only write when run as a script, not when a test imports `renderSchemaFile`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, await renderSchemaFile());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  writeFileSync(EXPERIMENT_SCHEMA_FILE, await renderExperimentSchemaFile());
  process.stdout.write(`wrote ${EXPERIMENT_SCHEMA_FILE}\n`);
}
