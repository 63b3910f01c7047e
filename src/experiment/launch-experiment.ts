import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { resolve } from "node:path";
import { runtimeOf, type Runtime, type RuntimeOptions } from "../runtime.ts";
import { loadExperimentFile } from "./experiment-file.ts";
import { checkSteps } from "./check-steps.ts";
import { planExperiment } from "./experiment-plan.ts";
import type { ExperimentRecord } from "./experiment-record.ts";
import { experimentFiles, writeExperiment } from "./experiment-store.ts";
import { hashFile, superviseExperiment } from "./supervise-experiment.ts";

/**
 * Where an experiment runs from: {@link RuntimeOptions}, plus the env.toml its profiles come from.
 *
 * @example
 * ```ts
 * const options: ExperimentOptions = { config: "env.toml", cwd: "/repo" };
 * ```
 */
export interface ExperimentOptions extends RuntimeOptions {
  /** env.toml (default: `$SLIPWAY_CONFIG`, else found from the cwd up). */
  readonly config?: string;
  /** How often the supervisor looks at running steps, in milliseconds (default 2000). */
  readonly pollMs?: number;
}

/**
 * A started experiment: its id (the W&B group of every step), its first record, and its end.
 *
 * @example
 * ```ts
 * const run: StartedExperiment = await experiment("experiment.toml");
 * console.log(run.id);
 * const final = await run.finished;
 * ```
 */
export interface StartedExperiment {
  readonly id: string;
  readonly record: ExperimentRecord;
  /** The record once every step has ended. */
  readonly finished: Promise<ExperimentRecord>;
}

/**
 * Checks an experiment file, dry-runs every step with its profile, and records the experiment in the job store,
 * every step `waiting`, without starting anything. Throws a `ConfigError` (file, line and column, or key paths) for
 * a bad file and a `RECIPE_INVALID` error naming every step that would not launch.
 *
 * @example
 * ```ts
 * const record = await createExperiment("experiment.toml", runtimeOf());
 * ```
 */
export async function createExperiment(
  path: string,
  runtime: Runtime,
  config?: string,
): Promise<ExperimentRecord> {
  const file = resolve(runtime.cwd, path);
  const parsed = loadExperimentFile(file);
  const planned = planExperiment(parsed, {
    cwd: runtime.cwd,
    now: new Date(),
    fileHash: hashFile(file),
    config: config === undefined ? undefined : resolve(runtime.cwd, config),
  });
  const record = await checkSteps(planned, parsed, runtime);
  writeExperiment(runtime.store, record);
  return record;
}

/**
 * Runs an experiment file in this process: checks it, records it, then supervises it until every step has ended
 * (`slipway run` does the same in a detached process). Steps share `WANDB_RUN_GROUP` (the experiment id); each
 * step's job gets `SLIPWAY_EXPERIMENT_ID` and `SLIPWAY_STEP_<NAME>_JOB_ID` for every step it waits for.
 *
 * @example
 * ```ts
 * const run = await experiment("experiment.toml", { config: "env.toml" });
 * const final = await run.finished;
 * for (const step of final.steps) console.log(step.name, step.state);
 * ```
 */
export async function experiment(path: string, options: ExperimentOptions = {}): Promise<StartedExperiment> {
  const runtime = runtimeOf(options);
  const record = await createExperiment(path, runtime, options.config);
  const finished = superviseExperiment(record.id, {
    runtime,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    log: () => undefined,
  });
  return { id: record.id, record, finished };
}

/**
 * Starts the supervisor of an experiment as a detached process (the same Node and CLI entry as this process),
 * its output appended to `experiments/<id>.log` in the job store; it outlives this process.
 *
 * @example
 * ```ts
 * const pid = spawnSupervisor(record, runtime, process.argv[1] ?? "slipway");
 * ```
 */
export function spawnSupervisor(record: ExperimentRecord, runtime: Runtime, cliEntry: string): number {
  const log = openSync(experimentFiles(runtime.store, record.id).log, "a", 0o600);
  try {
    const child = spawn(process.execPath, [...process.execArgv, cliEntry, "__supervise", record.id], {
      detached: true,
      stdio: ["ignore", log, log],
      cwd: record.cwd,
      env: runtime.env,
    });
    child.unref();
    return child.pid ?? 0;
  } finally {
    closeSync(log);
  }
}
