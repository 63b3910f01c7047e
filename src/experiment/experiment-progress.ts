import { ENDED_STEP_STATES, type StepRecord } from "./experiment-record.ts";

/** The reason a step never starts because a step it waits for did not succeed. */
export const DEPENDENCY_FAILED = "dependency failed";

/**
 * The supervisor's next moves, from the steps' states alone:
 * - `start`: waiting steps whose predecessors each succeeded — or was submitted to the same Slurm cluster as the
 *   step, which then starts at once and lets Slurm wait (`--dependency=afterok`) for those still running;
 * - `cancel`: waiting steps to mark `cancelled` ("dependency failed") because a step they wait for, directly or
 *   through others, failed or was cancelled;
 * - `stop`: launched steps (chained on Slurm) whose predecessor failed or was cancelled: their jobs never can run.
 * Pure.
 *
 * @example
 * ```ts
 * nextMoves([
 *   { name: "prep", after: [], state: "failed" },
 *   { name: "train", after: ["prep"], state: "waiting" },
 *   { name: "eval", after: ["train"], state: "waiting" },
 * ]); // { start: [], cancel: ["train", "eval"], stop: [] }
 * ```
 */
export function nextMoves(
  steps: readonly (Pick<StepRecord, "name" | "after" | "state"> & {
    readonly cluster?: string | undefined;
  })[],
): { start: string[]; cancel: string[]; stop: string[] } {
  const states = new Map(steps.map((step) => [step.name, step.state]));
  const clusters = new Map(steps.map((step) => [step.name, step.cluster]));
  const ended = (name: string): boolean => states.get(name) === "failed" || states.get(name) === "cancelled";
  const stop: string[] = [];
  const cancel: string[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const step of steps) {
      const state = states.get(step.name);
      const launched = state === "launching" || state === "running";
      if ((state !== "waiting" && !launched) || !step.after.some(ended)) continue;
      states.set(step.name, "cancelled");
      (launched ? stop : cancel).push(step.name);
      changed = true;
    }
  }
  const ready = (step: (typeof steps)[number], name: string): boolean =>
    states.get(name) === "succeeded" ||
    (states.get(name) === "running" && step.cluster !== undefined && clusters.get(name) === step.cluster);
  const start = steps
    .filter((step) => states.get(step.name) === "waiting" && step.after.every((name) => ready(step, name)))
    .map((step) => step.name);
  return { start, cancel, stop };
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
