import { SlipwayError } from "../errors.ts";
import type { Recipe } from "../job/recipe.ts";
import { isSecret } from "../secret.ts";
import type { Combination } from "./expand-sweep.ts";
import { placeholdersIn, substitute } from "./placeholders.ts";

/**
 * The recipe of each combination: `{name}` placeholders of the command, script and plain env values replaced,
 * and the W&B run metadata set through `tracking` — the group is the sweep id, the run name names the combination
 * (`sft-lr=3e-4-bs=16`), and one tag per parameter (`lr=3e-4`) is appended to `baseTags` (the recipe's tags, else
 * the profile's). Throws before anything starts for a placeholder no parameter fills, a parameter no placeholder
 * uses, and recipe fields a sweep cannot share (an array, one W&B run id for every run).
 *
 * @example
 * ```ts
 * const [first] = sweepRecipes({ name: "sft", command: ["python", "train.py", "--lr", "{lr}"] }, "sft-sweep-k3j9x2",
 *   [{ lr: "3e-4" }], []);
 * first?.command; // ["python", "train.py", "--lr", "3e-4"]
 * first?.tracking; // { group: "sft-sweep-k3j9x2", name: "sft-lr=3e-4", tags: ["lr=3e-4"] }
 * ```
 */
export function sweepRecipes(
  recipe: Recipe,
  sweepId: string,
  combinations: readonly Combination[],
  baseTags: readonly string[],
): Recipe[] {
  const names = Object.keys(combinations[0] ?? {});
  checkPlaceholders(recipe, names);
  if (recipe.array !== undefined) {
    invalid("a sweep cannot also be a job array (recipe.array): on Slurm the sweep itself is one array job");
  }
  const tracking = recipe.tracking ?? {};
  if (typeof tracking.runId === "string" || (tracking.resume !== undefined && tracking.resume !== false)) {
    invalid(
      "a sweep cannot give every run the same W&B run id (recipe.tracking.runId or resume with a run id)",
      "drop runId; each combination is its own run, grouped by the sweep id",
    );
  }
  return combinations.map((values) => {
    const pairs = names.map((name) => `${name}=${values[name] ?? ""}`);
    return {
      ...recipe,
      ...(recipe.command === undefined
        ? {}
        : { command: recipe.command.map((arg) => substitute(arg, values)) }),
      ...(recipe.script === undefined ? {} : { script: substitute(recipe.script, values) }),
      ...(recipe.env === undefined
        ? {}
        : {
            env: Object.fromEntries(
              Object.entries(recipe.env).map(([key, value]) => [
                key,
                isSecret(value) ? value : substitute(value, values),
              ]),
            ),
          }),
      tracking: {
        ...tracking,
        group: sweepId,
        name: [recipe.name, ...pairs].join("-"),
        tags: [...(tracking.tags ?? baseTags), ...pairs],
      },
    };
  });
}

/**
 * Where a recipe's placeholders are, for messages: `command[2]`, `script`, `env.LR`.
 *
 * @example
 * ```ts
 * placeholderUses({ name: "a", command: ["x", "{lr}"] }); // [["command[1]", ["lr"]]]
 * ```
 */
export function placeholderUses(recipe: Recipe): [string, string[]][] {
  const uses: [string, string[]][] = [];
  for (const [i, arg] of (recipe.command ?? []).entries()) uses.push([`command[${i}]`, placeholdersIn(arg)]);
  if (recipe.script !== undefined) uses.push(["script", placeholdersIn(recipe.script)]);
  for (const [key, value] of Object.entries(recipe.env ?? {})) {
    if (!isSecret(value)) uses.push([`env.${key}`, placeholdersIn(value)]);
  }
  return uses.filter(([, found]) => found.length > 0);
}

function checkPlaceholders(recipe: Recipe, names: readonly string[]): void {
  const uses = placeholderUses(recipe);
  const used = new Set(uses.flatMap(([, found]) => found));
  const unknown = uses.flatMap(([at, found]) =>
    found.filter((name) => !names.includes(name)).map((name) => `{${name}} in ${at}`),
  );
  if (unknown.length > 0) {
    invalid(
      `no sweep parameter fills ${unknown.join(", ")} (the parameters: ${names.join(", ")})`,
      "add --sweep NAME=VALUES for it, or write {{ for a literal brace",
    );
  }
  const unused = names.filter((name) => !used.has(name));
  if (unused.length > 0) {
    invalid(
      `sweep parameter${unused.length > 1 ? "s" : ""} ${unused.join(", ")} ${unused.length > 1 ? "are" : "is"} not used: no {${unused[0] ?? ""}} in the command, script or env`,
      `put {${unused[0] ?? ""}} where the value goes, e.g. -- python train.py --${unused[0] ?? ""} {${unused[0] ?? ""}}`,
    );
  }
}

function invalid(message: string, hint?: string): never {
  throw new SlipwayError("RECIPE_INVALID", message, hint === undefined ? {} : { hint });
}
