import type { ConfigIssue } from "../errors.ts";
import { placeholderUses } from "../sweep/sweep-recipes.ts";

/** What the placeholder check reads of a step. */
export interface PlaceholderStep {
  readonly name: string;
  readonly command?: readonly string[] | undefined;
  readonly script?: string | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly sweep?: Readonly<Record<string, readonly (string | number)[]>> | undefined;
}

/**
 * The placeholder problems of a step: a `{name}` that no parameter of its sweep fills (every placeholder, for a step
 * without a sweep), and a sweep parameter used nowhere. Pure.
 *
 * @example
 * ```ts
 * checkPlaceholders({ name: "t", profile: "p", command: ["echo", "{lr}"] }, "steps.t");
 * // [{ path: "steps.t.command[1]", message: "unknown placeholder {lr} (this step has no sweep; write {{ for a literal brace)" }]
 * ```
 */
export function checkPlaceholders(step: PlaceholderStep, at: string): ConfigIssue[] {
  const params = Object.keys(step.sweep ?? {});
  const uses = placeholderUses({
    name: step.name,
    ...(step.command === undefined ? {} : { command: step.command }),
    ...(step.script === undefined ? {} : { script: step.script }),
    ...(step.env === undefined ? {} : { env: step.env }),
  });
  const known =
    params.length === 0
      ? "this step has no sweep; write {{ for a literal brace"
      : `the sweep parameters: ${params.join(", ")}`;
  const issues: ConfigIssue[] = uses.flatMap(([where, names]) =>
    names
      .filter((name) => !params.includes(name))
      .map((name) => ({ path: `${at}.${where}`, message: `unknown placeholder {${name}} (${known})` })),
  );
  const used = new Set(uses.flatMap(([, names]) => names));
  for (const param of params.filter((name) => !used.has(name))) {
    issues.push({
      path: `${at}.sweep.${param}`,
      message: `not used: no {${param}} in the step's command, script or env`,
    });
  }
  return issues;
}
