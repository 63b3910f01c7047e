import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SlipwayError, StoreError } from "../errors.ts";
import { isJobId } from "../store/job-record.ts";
import type { JobStore } from "../store/job-store.ts";
import { sweepRecordSchema, type SweepRecord } from "./sweep-record.ts";

/**
 * The file of a sweep's record: `sweeps/<id>.json` in the job store.
 *
 * @example
 * ```ts
 * sweepFile(store, "sft-sweep-k3j9x2"); // "~/.slipway/sweeps/sft-sweep-k3j9x2.json"
 * ```
 */
export function sweepFile(store: JobStore, id: string): string {
  if (!isJobId(id))
    throw new SlipwayError("JOB_ID_INVALID", `${JSON.stringify(id.slice(0, 80))} is not a sweep id`);
  return join(store.root, "sweeps", `${id}.json`);
}

/**
 * Writes a sweep's record atomically (a temporary file, then rename), 0600 in a 0700 directory.
 *
 * @example
 * ```ts
 * writeSweep(store, record);
 * ```
 */
export function writeSweep(store: JobStore, record: SweepRecord): void {
  const file = sweepFile(store, record.id);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(store.root, "sweeps"), { recursive: true, mode: 0o700 });
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
 * A sweep's record, or `undefined` when no sweep has this id (the id may be a job's).
 *
 * @example
 * ```ts
 * const sweep = findSweep(store, "sft-sweep-k3j9x2");
 * ```
 */
export function findSweep(store: JobStore, id: string | undefined): SweepRecord | undefined {
  if (id === undefined || !isJobId(id)) return undefined;
  const file = sweepFile(store, id);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const parsed = sweepRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new StoreError(`${file} is not a sweep record: ${parsed.error.issues[0]?.message ?? ""}`, {
      path: file,
    });
  }
  return parsed.data;
}
