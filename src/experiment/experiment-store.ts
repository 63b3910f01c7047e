import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SlipwayError, StoreError } from "../errors.ts";
import { isJobId } from "../store/job-record.ts";
import type { JobStore } from "../store/job-store.ts";
import { experimentRecordSchema, type ExperimentRecord } from "./experiment-record.ts";

/**
 * The files of an experiment in the job store: its record, the supervisor's log and the cancel request.
 *
 * @example
 * ```ts
 * experimentFiles(store, "smollm-k3j9x2").log; // "~/.slipway/experiments/smollm-k3j9x2.log"
 * ```
 */
export function experimentFiles(
  store: JobStore,
  id: string,
): { readonly record: string; readonly log: string; readonly cancel: string } {
  if (!isJobId(id))
    throw new SlipwayError("JOB_ID_INVALID", `${JSON.stringify(id.slice(0, 80))} is not an experiment id`);
  const base = join(store.root, "experiments", id);
  return { record: `${base}.json`, log: `${base}.log`, cancel: `${base}.cancel` };
}

/** Makes `experiments/` (0700) in the store. */
export function ensureExperimentsDir(store: JobStore): void {
  const dir = join(store.root, "experiments");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreError(`cannot create ${dir}`, { path: dir, cause: error });
  }
}

/**
 * Writes an experiment's record atomically (a temporary file, then rename), 0600 in a 0700 directory.
 *
 * @example
 * ```ts
 * writeExperiment(store, { ...record, endedAt: new Date().toISOString() });
 * ```
 */
export function writeExperiment(store: JobStore, record: ExperimentRecord): void {
  const file = experimentFiles(store, record.id).record;
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    ensureExperimentsDir(store);
    writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, file);
  } catch (error) {
    throw new StoreError(`cannot write ${file}`, {
      path: file,
      hint: "check the permissions of the job store (SLIPWAY_HOME, default ~/.slipway)",
      cause: error,
    });
  }
}

/**
 * An experiment's record, or `undefined` when no experiment has this id (it may be a job's or a sweep's).
 *
 * @example
 * ```ts
 * const record = findExperiment(store, "smollm-k3j9x2");
 * ```
 */
export function findExperiment(store: JobStore, id: string | undefined): ExperimentRecord | undefined {
  if (id === undefined || !isJobId(id)) return undefined;
  const file = experimentFiles(store, id).record;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const parsed = experimentRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new StoreError(`${file} is not an experiment record: ${parsed.error.issues[0]?.message ?? ""}`, {
      path: file,
    });
  }
  return parsed.data;
}

/**
 * An experiment's record; `JOB_NOT_FOUND` when there is none.
 *
 * @example
 * ```ts
 * const record = readExperiment(store, "smollm-k3j9x2");
 * ```
 */
export function readExperiment(store: JobStore, id: string): ExperimentRecord {
  const record = findExperiment(store, id);
  if (record === undefined) {
    throw new SlipwayError("JOB_NOT_FOUND", `no experiment "${id}" in ${join(store.root, "experiments")}`, {
      hint: "slipway run prints the id of the experiment it starts",
    });
  }
  return record;
}

/** Asks the experiment's supervisor (now or when resumed) to stop: it cancels what runs and launches nothing more. */
export function requestCancel(store: JobStore, id: string): void {
  const file = experimentFiles(store, id).cancel;
  writeFileSync(file, `${new Date().toISOString()}\n`, { mode: 0o600 });
}

/** Whether cancelling the experiment was asked for. */
export function cancelRequested(store: JobStore, id: string): boolean {
  return existsSync(experimentFiles(store, id).cancel);
}
