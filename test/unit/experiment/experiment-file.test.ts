import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.ts";
import { parseExperimentFile } from "../../../src/experiment/experiment-file.ts";
import { thrown } from "../../helpers/thrown.ts";
import { EXPERIMENT_SCHEMA_FILE, renderExperimentSchemaFile } from "../../../scripts/write-schema.ts";

const STEP = (name: string, extra = "") =>
  `[steps.${name}]\nprofile = "local"\ncommand = ["true"]\n${extra}\n`;

describe("parseExperimentFile", () => {
  it("reads the steps in file order and names the experiment after the file", () => {
    const file = parseExperimentFile(STEP("prep") + STEP("train", 'after = ["prep"]'), "/x/exp.toml");
    expect(file.name).toBe("exp");
    expect(file.steps.map((s) => [s.name, s.after ?? []])).toEqual([
      ["prep", []],
      ["train", ["prep"]],
    ]);
  });

  it.each([
    [STEP("a", 'after = ["b"]') + STEP("b", 'after = ["a"]'), "  steps.a.after: cycle a → b → a"],
    [
      STEP("a", 'after = ["prpe"]') + STEP("prep"),
      '  steps.a.after[0]: unknown step "prpe" (did you mean "prep"?)',
    ],
    [
      '[steps.t]\nprofile = "local"\ncommand = ["echo", "{lr}"]\n',
      "  steps.t.command[1]: unknown placeholder {lr} (this step has no sweep; write {{ for a literal brace)",
    ],
    [
      '[steps.t]\nprofile = "local"\ncommand = ["echo", "{lr}"]\nsweep = { lr = [] }\n',
      "  steps.t.sweep.lr: an empty list: give lr at least one value",
    ],
    [STEP("a", 'proflie = "x"'), '  steps.a.proflie: unknown key "proflie" (did you mean "profile"?)'],
    ["steps = {}\n", "  steps: an experiment needs at least one step ([steps.<name>])"],
  ])("refuses a bad file with the key path: %#", (text, line) => {
    const error = thrown(() => parseExperimentFile(text, "/x/exp.toml"));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe("CONFIG_SCHEMA");
    expect(error.message.split("\n")).toContain(line);
    expect(error.message.split("\n")[0]).toMatch(/^\/x\/exp\.toml: \d+ problems? in exp\.toml$/);
  });

  it("gives the line and column of a syntax error", () => {
    const error = thrown(() => parseExperimentFile("[steps.a]\nprofile = \n", "/x/exp.toml"));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.message).toMatch(/^\/x\/exp\.toml:2:\d+: /);
    expect((error as { line?: number }).line).toBe(2);
  });
});

describe("examples/experiment.toml and experiment.schema.json", () => {
  it("the example is a valid experiment", () => {
    const path = join(import.meta.dirname, "..", "..", "..", "examples", "experiment.toml");
    const file = parseExperimentFile(readFileSync(path, "utf8"), path);
    expect(file.steps.map((step) => step.name)).toEqual(["prep", "train", "eval"]);
  });

  it("the schema file is current (node scripts/write-schema.ts writes it)", async () => {
    expect(readFileSync(EXPERIMENT_SCHEMA_FILE, "utf8")).toBe(await renderExperimentSchemaFile());
  });
});
