import { closestMatch } from "../config/closest-match.ts";
import type { ConfigIssue } from "../errors.ts";

/** What the graph needs of a step: its name and the steps it waits for. */
export interface GraphStep {
  readonly name: string;
  readonly after?: readonly string[] | undefined;
}

/**
 * The problems of an experiment's `after` edges: a step that is not in the file (with "did you mean"), a step
 * listed twice, and cycles (each reported once, at the step where it was found). Pure.
 *
 * @example
 * ```ts
 * checkExperimentGraph([{ name: "a", after: ["b"] }, { name: "b", after: ["a"] }]);
 * // [{ path: "steps.a.after", message: "cycle a → b → a" }]
 * ```
 */
export function checkExperimentGraph(steps: readonly GraphStep[]): ConfigIssue[] {
  const names = steps.map((step) => step.name);
  const issues: ConfigIssue[] = [];
  for (const step of steps) {
    for (const [i, before] of (step.after ?? []).entries()) {
      if (names.includes(before)) {
        if ((step.after ?? []).indexOf(before) !== i) {
          issues.push({ path: `steps.${step.name}.after[${i}]`, message: `"${before}" is listed twice` });
        }
        continue;
      }
      const near = closestMatch(before, names);
      issues.push({
        path: `steps.${step.name}.after[${i}]`,
        message: `unknown step "${before}"${near === undefined ? ` (the steps: ${names.join(", ")})` : ` (did you mean "${near}"?)`}`,
      });
    }
  }
  const cycle = findCycle(steps);
  if (cycle !== undefined) {
    issues.push({ path: `steps.${cycle[0] ?? ""}.after`, message: `cycle ${cycle.join(" → ")}` });
  }
  return issues;
}

/**
 * The steps in an order where every step comes after the steps it waits for; ties keep the file's order. Unknown
 * names in `after` are ignored (they are {@link checkExperimentGraph}'s to report). Pure.
 *
 * @throws Error when the graph has a cycle (checked files have none).
 * @example
 * ```ts
 * topologicalOrder([{ name: "eval", after: ["train"] }, { name: "train" }]); // ["train", "eval"]
 * ```
 */
export function topologicalOrder(steps: readonly GraphStep[]): string[] {
  const names = new Set(steps.map((step) => step.name));
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < steps.length) {
    const next = steps.find(
      (step) => !done.has(step.name) && (step.after ?? []).every((b) => done.has(b) || !names.has(b)),
    );
    if (next === undefined) throw new Error("the steps' after edges form a cycle");
    done.add(next.name);
    order.push(next.name);
  }
  return order;
}

/**
 * Every step that waits, directly or not, for `name`. Pure.
 *
 * @example
 * ```ts
 * dependantsOf([{ name: "a" }, { name: "b", after: ["a"] }, { name: "c", after: ["b"] }], "a"); // ["b", "c"]
 * ```
 */
export function dependantsOf(steps: readonly GraphStep[], name: string): string[] {
  const found = new Set<string>();
  let frontier = [name];
  while (frontier.length > 0) {
    const next = steps.filter(
      (step) => !found.has(step.name) && (step.after ?? []).some((b) => frontier.includes(b)),
    );
    for (const step of next) found.add(step.name);
    frontier = next.map((step) => step.name);
  }
  return steps.map((step) => step.name).filter((n) => found.has(n));
}

// Depth-first search in file order: the first cycle found, as a path that ends where it began.
function findCycle(steps: readonly GraphStep[]): string[] | undefined {
  const byName = new Map(steps.map((step) => [step.name, step]));
  const state = new Map<string, "open" | "closed">();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "closed") return undefined;
    if (state.get(name) === "open") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "open");
    path.push(name);
    for (const before of byName.get(name)?.after ?? []) {
      if (!byName.has(before)) continue;
      const cycle = visit(before);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(name, "closed");
    return undefined;
  };
  for (const step of steps) {
    const cycle = visit(step.name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}
