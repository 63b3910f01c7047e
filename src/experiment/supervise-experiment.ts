import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { SlipwayError } from "../errors.ts";
import { isSameProcessAlive, processStartTime } from "../job/process-info.ts";
import { launchSweep } from "../launch-sweep.ts";
import { launch, type LaunchOptions } from "../launch.ts";
import type { Runtime } from "../runtime.ts";
import { loadExperimentFile } from "./experiment-file.ts";
import { stepRecipe } from "./experiment-plan.ts";
import { allEnded, DEPENDENCY_FAILED, nextMoves } from "./experiment-progress.ts";
import type { ExperimentRecord, StepRecord } from "./experiment-record.ts";
import { cancelRequested, readExperiment, writeExperiment } from "./experiment-store.ts";
import { cancelLaunchedStep, launchedStepState } from "./step-status.ts";

/** How the supervisor runs: its runtime, how often it looks at running steps, where it says what it does. */
export interface SuperviseOptions {
  readonly runtime: Runtime;
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * The sha256 of a file's text: what a resumed supervisor compares with the record.
 *
 * @example
 * ```ts
 * hashFile("experiment.toml"); // "9f86d0…"
 * ```
 */
export function hashFile(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * Drives an experiment to its end: claims it (refusing when another live supervisor owns it), then starts each step
 * whose predecessors succeeded (or, on one Slurm cluster, were submitted: Slurm's afterok then holds the step),
 * follows launched steps, marks the dependants of a failed step `cancelled`
 * ("dependency failed") and carries out a cancel request. Each launch is recorded (`launching`) before it is
 * submitted under the step's id chosen at creation, so a supervisor killed at any point and resumed reattaches the
 * job in the store instead of launching it again.
 *
 * @example
 * ```ts
 * const final = await superviseExperiment("smollm-k3j9x2", { runtime: runtimeOf() });
 * ```
 */
export async function superviseExperiment(id: string, options: SuperviseOptions): Promise<ExperimentRecord> {
  const { runtime } = options;
  const { store } = runtime;
  const log =
    options.log ?? ((line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`));
  let record = claim(readExperiment(store, id));
  writeExperiment(store, record);
  const file = loadExperimentFile(record.file);
  if (hashFile(record.file) !== record.fileHash) {
    throw new SlipwayError("RECIPE_INVALID", `${record.file} changed since experiment ${id} started`, {
      hint: "restore the file as it was, or start a new experiment with slipway run",
    });
  }
  const definitions = new Map(file.steps.map((step) => [step.name, step]));
  const save = (steps: StepRecord[]): void => {
    record = { ...record, steps };
    writeExperiment(store, record);
  };
  const setStep = (name: string, patch: Partial<StepRecord>): void => {
    save(record.steps.map((step) => (step.name === name ? { ...step, ...patch } : step)));
  };
  try {
    for (;;) {
      if (cancelRequested(store, id)) {
        for (const step of record.steps.filter((s) => s.state === "launching" || s.state === "running")) {
          await cancelLaunchedStep(step, runtime);
        }
        const now = new Date().toISOString();
        save(
          record.steps.map((step) =>
            allEnded([step])
              ? step
              : { ...step, state: "cancelled", reason: "experiment cancelled", endedAt: now },
          ),
        );
        log("cancelled");
        break;
      }
      for (const step of record.steps.filter((s) => s.state === "launching" || s.state === "running")) {
        const { state, reason } = await launchedStepState(step, runtime);
        if (state === "absent") {
          if (step.state === "launching") await launchStep(step);
          else setStep(step.name, { state: "failed", reason: "its job is missing from the job store" });
        } else if (state === "succeeded" || state === "failed" || state === "cancelled") {
          setStep(step.name, {
            state,
            ...(reason === undefined ? {} : { reason }),
            endedAt: new Date().toISOString(),
          });
          log(`step ${step.name}: ${state}${reason === undefined ? "" : ` (${reason})`}`);
        } else if (step.state === "launching") setStep(step.name, { state: "running" });
      }
      // Until nothing moves: a step just submitted to a Slurm cluster lets its dependants there be chained at once.
      for (;;) {
        const moves = nextMoves(record.steps);
        for (const name of moves.stop) {
          const step = record.steps.find((s) => s.name === name);
          if (step !== undefined) await cancelLaunchedStep(step, runtime);
          setStep(name, { state: "cancelled", reason: DEPENDENCY_FAILED, endedAt: new Date().toISOString() });
          log(`step ${name}: cancelled (${DEPENDENCY_FAILED})`);
        }
        for (const name of moves.cancel) {
          setStep(name, { state: "cancelled", reason: DEPENDENCY_FAILED, endedAt: new Date().toISOString() });
          log(`step ${name}: cancelled (${DEPENDENCY_FAILED})`);
        }
        for (const name of moves.start) {
          const step = record.steps.find((s) => s.name === name);
          if (step !== undefined) await launchStep(step);
        }
        if (moves.start.length + moves.cancel.length + moves.stop.length === 0) break;
      }
      if (allEnded(record.steps)) break;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2_000));
    }
    record = { ...record, endedAt: new Date().toISOString() };
    log(`experiment ${id} ended`);
    return record;
  } finally {
    // Released on the way out, so `slipway status` says at once that nobody supervises it any more.
    record = { ...record, supervisor: undefined };
    writeExperiment(store, JSON.parse(JSON.stringify(record)) as ExperimentRecord);
  }

  async function launchStep(step: StepRecord): Promise<void> {
    const definition = definitions.get(step.name);
    if (definition === undefined) throw new Error(`step ${step.name} is not in ${record.file}`);
    // Recorded before submit: a supervisor killed from here on finds the step by its id when resumed.
    setStep(step.name, { state: "launching" });
    const stepped = stepRecipe(record, step, definition);
    // Predecessors still running on this step's Slurm cluster: Slurm itself starts the step after them (afterok).
    const waitFor = step.after.flatMap((name) => {
      const before = record.steps.find((s) => s.name === name);
      return before === undefined || before.state === "succeeded" ? [] : [before.jobId];
    });
    const { sweep } = stepped;
    const recipe = waitFor.length === 0 ? stepped.recipe : { ...stepped.recipe, dependsOn: waitFor };
    const launchOptions: LaunchOptions = {
      profile: step.profile,
      id: step.jobId,
      detach: true,
      env: runtime.env,
      cwd: record.cwd,
      homeDir: runtime.homeDir,
      connections: runtime.connections,
      onNotice: (message) => {
        log(`step ${step.name}: ${message}`);
      },
      ...(record.config === undefined ? {} : { config: record.config }),
    };
    try {
      if (sweep === undefined) await launch(recipe, launchOptions);
      else await launchSweep(recipe, sweep, launchOptions);
      setStep(step.name, { state: "running" });
      const chained = waitFor.length === 0 ? "" : ` (Slurm starts it after ${waitFor.join(", ")}: afterok)`;
      log(`step ${step.name}: launched as ${step.jobId}${chained}`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      setStep(step.name, { state: "failed", reason, endedAt: new Date().toISOString() });
      log(`step ${step.name}: failed to launch: ${reason}`);
    }
  }
}

/**
 * Whether a live supervisor (not this process) owns the experiment.
 *
 * @example
 * ```ts
 * if (liveSupervisor(record) !== undefined) console.log("already supervised");
 * ```
 */
export function liveSupervisor(record: ExperimentRecord): number | undefined {
  const owner = record.supervisor;
  if (owner === undefined || owner.pid === process.pid) return undefined;
  return isSameProcessAlive(owner.pid, owner.startTime) ? owner.pid : undefined;
}

function claim(record: ExperimentRecord): ExperimentRecord {
  const owner = liveSupervisor(record);
  if (owner !== undefined) {
    throw new SlipwayError("RECIPE_INVALID", `experiment ${record.id} is supervised already (pid ${owner})`, {
      hint: `slipway status ${record.id} follows it; slipway cancel ${record.id} stops it`,
    });
  }
  return {
    ...record,
    supervisor: {
      pid: process.pid,
      startTime: processStartTime(process.pid) ?? "",
      startedAt: new Date().toISOString(),
    },
  };
}
