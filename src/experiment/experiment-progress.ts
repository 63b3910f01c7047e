import { ENDED_STEP_STATES, type StepRecord } from "./experiment-record.ts";

/** The reason a step never starts because a step it waits for did not succeed. */
export const DEPENDENCY_FAILED = "dependency failed";

/**
 * The supervisor's next moves, from the steps' states alone: which waiting steps to start (every step they wait for
 * has succeeded) and which to mark `cancelled` with the reason "dependency failed" (a step they wait for, directly
 * or through others, failed or was cancelled). Pure.
 *
 * @example
 * ```ts
 * nextMoves([
 *   { name: "prep", after: [], state: "failed" },
 *   { name: "train", after: ["prep"], state: "waiting" },
 *   { name: "eval", after: ["train"], state: "waiting" },
 * ]); // { start: [], cancel: ["train", "eval"] }
 * ```
 */
export function nextMoves(steps: readonly Pick<StepRecord, "name" | "after" | "state">[]): {
  start: string[];
  cancel: string[];
} {
  const states = new Map(steps.map((step) => [step.name, step.state]));
  const cancel: string[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const step of steps) {
      if (states.get(step.name) !== "waiting") continue;
      if (step.after.some((name) => states.get(name) === "failed" || states.get(name) === "cancelled")) {
        states.set(step.name, "cancelled");
        cancel.push(step.name);
        changed = true;
      }
    }
  }
  const start = steps
    .filter(
      (step) =>
        states.get(step.name) === "waiting" && step.after.every((name) => states.get(name) === "succeeded"),
    )
    .map((step) => step.name);
  return { start, cancel };
}

/**
 * Whether every step has ended.
 *
 * @example
 * ```ts
 * allEnded(record.steps); // true once each step succeeded, failed or was cancelled
 * ```
 */
export function allEnded(steps: readonly Pick<StepRecord, "state">[]): boolean {
  return steps.every((step) => ENDED_STEP_STATES.has(step.state));
}
