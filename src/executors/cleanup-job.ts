import { writeFileSync } from "node:fs";
import { isTerminal } from "../job/job-state.ts";
import type { JobRecord } from "../store/job-record.ts";
import type { JobEngine, ExecutorContext, LogSaver } from "./executor-module.ts";
import { engineOf } from "./registry.ts";
import { TrackedHandle } from "./tracked-handle.ts";
import type { CleanupResult } from "./types.ts";

/**
 * Frees what a finished job still holds on its engine (a container, a Ray job, its Slurm directory), after its
 * engine saved the logs into the job store, where `slipway logs` reads them from then on. A job still running is
 * left alone; a job that holds nothing says so.
 *
 * @example
 * ```ts
 * await cleanupJob(store.read(id), context); // { cleaned: true, message: "removed container 3f2a9c1b7d0e (logs kept)" }
 * ```
 */
export async function cleanupJob(
  record: JobRecord,
  context: ExecutorContext,
  engineFor: (record: JobRecord) => Promise<JobEngine> = (latest) => engineOf(latest, context),
): Promise<CleanupResult> {
  if (record.cleanedAt !== undefined) return { cleaned: false, message: "already cleaned up (logs kept)" };
  const handle = new TrackedHandle(record, { store: context.store, engineFor });
  const status = await handle.status();
  if (!isTerminal(status)) {
    return { cleaned: false, message: `still ${status.state}; cancel it first`, active: true };
  }
  if (handle.record.nativeId === "")
    return { cleaned: false, message: "never submitted; nothing to clean up" };
  const engine = await engineFor(handle.record);
  if (engine.cleanup === undefined) {
    return { cleaned: false, message: "nothing to free; its logs are in the job store" };
  }
  const files = context.store.files(record.id);
  const save: LogSaver = (stream, text, index) => {
    writeFileSync(files.log(stream, index), text, { mode: 0o600 });
  };
  const result = await engine.cleanup(save);
  if (result.cleaned) context.store.update(record.id, { cleanedAt: new Date().toISOString() });
  return result;
}
