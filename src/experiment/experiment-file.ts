import { basename } from "node:path";
import { parse, TomlError } from "smol-toml";
import * as z from "zod";
import { checkTable } from "../config/check-table.ts";
import { sortIssues } from "../config/config-issues.ts";
import { readConfigFile } from "../config/read-config-file.ts";
import { tomlType } from "../config/toml-type.ts";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import { PACKAGE_MODES } from "../package/code-package.ts";
import { checkExperimentGraph } from "./experiment-graph.ts";
import { checkPlaceholders } from "./step-placeholders.ts";

/** A step's name: what `after` lists and what `SLIPWAY_STEP_<NAME>_JOB_ID` is made from. */
export const STEP_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const sweepValue = z.union([z.string(), z.number()]);

/** One `[steps.<name>]` table: a recipe, the profile it runs on, the steps it waits for, and maybe a sweep. */
export const stepSchema = z
  .strictObject({
    profile: z.string().min(1).describe("The profile of env.toml this step runs on"),
    command: z
      .array(z.string())
      .min(1)
      .optional()
      .describe("The program and its arguments (no shell); give this or `script`"),
    script: z.string().min(1).optional().describe("A bash script, run as `bash -c <script>`"),
    env: z.record(z.string(), z.string()).optional().describe("Environment variables of the step's job(s)"),
    workdir: z.string().optional().describe("Working directory, relative to where `slipway run` ran"),
    image: z.string().optional().describe("Container image, for executors that run one"),
    time: z.string().optional().describe('Time limit, as Slurm writes --time ("30", "04:00:00")'),
    retries: z.int().min(0).optional().describe("How many times a failed run is started again"),
    package: z.enum(PACKAGE_MODES).optional().describe("How the code reaches the job (none, git, dir)"),
    after: z
      .array(z.string())
      .optional()
      .describe("Steps that must succeed before this one starts (default: none)"),
    sweep: z
      .record(z.string(), z.array(sweepValue))
      .optional()
      .describe("Makes the step a grid sweep: each `{name}` placeholder takes every value of its list"),
    max_parallel: z.int().min(1).optional().describe("With `sweep`: at most this many runs at once (Slurm)"),
  })
  .meta({ title: "A step of the experiment" });

/** The experiment file's top level: a name and the steps. */
export const experimentFileSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .optional()
      .describe("The experiment's name; its id (the W&B group) starts with it (default: the file's name)"),
    steps: z.record(z.string(), z.unknown()).describe("The steps, by name"),
  })
  .meta({
    title: "slipway experiment file",
    description:
      "Steps of an experiment: each a recipe and a profile, waiting for the steps in `after`. `slipway run FILE` starts it.",
  });

/** A checked step, with its name. */
export type ExperimentStep = z.infer<typeof stepSchema> & { readonly name: string };

/**
 * A checked experiment file: its name, the file it came from and its steps in the order written.
 *
 * @example
 * ```ts
 * const file: ExperimentFile = parseExperimentFile('[steps.prep]\nprofile = "local"\ncommand = ["true"]\n', "/x/e.toml");
 * file.steps[0]?.name; // "prep"
 * ```
 */
export interface ExperimentFile {
  readonly file: string;
  readonly name: string;
  readonly steps: readonly ExperimentStep[];
}

/**
 * Reads and checks an experiment file.
 *
 * @throws ConfigError `CONFIG_READ`, `CONFIG_SYNTAX` (line and column) or `CONFIG_SCHEMA` (every problem, by key path).
 * @example
 * ```ts
 * const experiment = loadExperimentFile("experiment.toml");
 * ```
 */
export function loadExperimentFile(path: string): ExperimentFile {
  let text: string;
  try {
    text = readConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError("CONFIG_READ", `${path}: cannot read the experiment file (${code})`, {
      file: path,
      hint: "slipway run takes the path of an experiment TOML file, e.g. slipway run experiment.toml",
      cause: error,
    });
  }
  return parseExperimentFile(text, path);
}

/**
 * Checks the text of an experiment file ({@link loadExperimentFile} without the disk): TOML syntax, keys, the graph
 * of `after` (unknown steps, cycles) and `{name}` placeholders against each step's sweep. Pure.
 *
 * @example
 * ```ts
 * parseExperimentFile('[steps.a]\nprofile = "local"\ncommand = ["true"]\nafter = ["a"]\n', "e.toml");
 * // ConfigError: e.toml: 1 problem in e.toml
 * //   steps.a.after: cycle a → a
 * ```
 */
export function parseExperimentFile(text: string, file: string): ExperimentFile {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text.replace(/^\uFEFF/, ""), { unsafeKeyBehaviour: "throw" });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.replace(/^Invalid TOML document: /, "").split("\n")[0] ?? "";
    const { line, column } = error;
    throw new ConfigError(
      "CONFIG_SYNTAX",
      `${file}:${line}:${column}: ${reason}\n${error.codeblock.trimEnd()}`,
      {
        file,
        line,
        column,
        cause: error,
      },
    );
  }
  const top = checkTable(experimentFileSchema, doc, []);
  const issues: ConfigIssue[] = [...top.issues];
  const steps: ExperimentStep[] = [];
  for (const [name, value] of Object.entries(top.data?.steps ?? {})) {
    if (!STEP_NAME.test(name)) {
      issues.push({
        path: `steps.${JSON.stringify(name)}`,
        message: "a step name is letters, digits, _ and - (not starting with _ or -)",
      });
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      issues.push({ path: `steps.${name}`, message: `expected table, got ${tomlType(value)}` });
      continue;
    }
    const checked = checkTable(stepSchema, value, ["steps", name]);
    issues.push(...checked.issues);
    if (checked.data !== undefined) steps.push({ ...checked.data, name });
  }
  if (top.data !== undefined && Object.keys(top.data.steps).length === 0) {
    issues.push({ path: "steps", message: "an experiment needs at least one step ([steps.<name>])" });
  }
  for (const step of steps) issues.push(...stepIssues(step));
  issues.push(...checkExperimentGraph(steps));
  if (issues.length > 0) {
    const sorted = sortIssues(issues);
    const count = `${sorted.length} problem${sorted.length === 1 ? "" : "s"} in ${basename(file)}`;
    throw new ConfigError(
      "CONFIG_SCHEMA",
      [`${file}: ${count}`, ...sorted.map((i) => `  ${i.path}: ${i.message}`)].join("\n"),
      {
        file,
        issues: sorted,
        hint: "the experiment file's keys are in experiment.schema.json; examples/experiment.toml shows each",
      },
    );
  }
  const name = top.data?.name ?? basename(file).replace(/\.toml$/, "");
  return { file, name, steps };
}

function stepIssues(step: ExperimentStep): ConfigIssue[] {
  const at = `steps.${step.name}`;
  const issues: ConfigIssue[] = [];
  if ((step.command === undefined) === (step.script === undefined)) {
    issues.push({ path: at, message: "give command or script (one of them)" });
  }
  for (const [param, values] of Object.entries(step.sweep ?? {})) {
    if (values.length === 0) {
      issues.push({
        path: `${at}.sweep.${param}`,
        message: `an empty list: give ${param} at least one value`,
      });
    } else if (new Set(values.map(String)).size !== values.length) {
      issues.push({ path: `${at}.sweep.${param}`, message: "a value is given twice" });
    }
  }
  if (step.sweep !== undefined && Object.keys(step.sweep).length === 0) {
    issues.push({ path: `${at}.sweep`, message: "a sweep needs at least one parameter (name = [values])" });
  }
  if (step.max_parallel !== undefined && step.sweep === undefined) {
    issues.push({
      path: `${at}.max_parallel`,
      message: "max_parallel is for a sweep, and this step has none",
    });
  }
  issues.push(...checkPlaceholders(step, at));
  return issues;
}

/**
 * The JSON Schema (draft 2020-12) of an experiment file, for TOML editors (`#:schema ./experiment.schema.json`).
 * Graph rules (unknown steps in `after`, cycles, placeholders) are checked by slipway only.
 *
 * @example
 * ```ts
 * writeFileSync("experiment.schema.json", JSON.stringify(experimentJsonSchema()));
 * ```
 */
export function experimentJsonSchema(): object {
  const file = experimentFileSchema.extend({
    steps: z.record(z.string().regex(STEP_NAME), stepSchema).describe("The steps, by name"),
  });
  return z.toJSONSchema(file, { target: "draft-2020-12", io: "input" });
}
