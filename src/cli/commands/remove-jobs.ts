import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { cleanupJob } from "../../executors/cleanup-job.ts";
import { attachJob } from "../../executors/registry.ts";
import { isTerminal } from "../../job/job-state.ts";
import type { Runtime } from "../../runtime.ts";
import type { JobRecord } from "../../store/job-record.ts";

/** What happened to one job asked to be removed. */
export interface Removal {
  readonly id: string;
  readonly removed: boolean;
  readonly message: string;
}

/**
 * Removes one ended job for `slipway rm` and `slipway prune`: frees what it still holds on its engine (saving its
 * logs into the job store first, as `cleanup` does), copies its logs to `saveLogsTo/<id>/` when asked, then deletes
 * its directory from the store. A job that has not ended is left alone.
 */
export async function removeJob(
  record: JobRecord,
  runtime: Runtime,
  saveLogsTo: string | undefined,
): Promise<Removal> {
  const handle = attachJob(record, runtime);
  const status = await handle.status();
  if (!isTerminal(status)) {
    return {
      id: record.id,
      removed: false,
      message: `still ${status.state}; cancel it first (slipway cancel ${record.id})`,
    };
  }
  const cleaned = await cleanupJob(runtime.store.read(record.id), runtime);
  // Freed, or nothing to free: either way the logs are in the store now. Otherwise keep the record to try again.
  if (!cleaned.cleaned && !/already|nothing|never submitted/.test(cleaned.message)) {
    return { id: record.id, removed: false, message: cleaned.message };
  }
  let saved = "";
  if (saveLogsTo !== undefined) {
    const { dir } = runtime.store.files(record.id);
    const logs = readdirSync(dir).filter((name) => name.endsWith(".log"));
    const target = join(saveLogsTo, record.id);
    mkdirSync(target, { recursive: true, mode: 0o700 });
    for (const name of logs) copyFileSync(join(dir, name), join(target, name));
    saved = logs.length === 0 ? " (it had no logs)" : ` (logs saved to ${target})`;
  }
  runtime.store.remove(record.id);
  return { id: record.id, removed: true, message: `removed${saved}` };
}
