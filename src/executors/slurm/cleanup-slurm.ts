import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { shq } from "../../shell-quote.ts";
import type { JobRecord } from "../../store/job-record.ts";
import type { ExecutorContext } from "../context.ts";
import type { CleanupResult } from "../types.ts";
import { TERMINAL_STATES } from "../types.ts";
import { slurmJobFiles } from "./index.ts";

/**
 * Removes a finished job's directory on the cluster (its script, shipped code and logs) after copying the logs into
 * the local job directory, where `slipway logs` then reads them.
 *
 * @example
 * ```ts
 * await cleanupSlurm(store.read(id), { store }); // { cleaned: true, message: "removed /home/me/.slipway/jobs/… on me@login:22 (logs kept)" }
 * ```
 */
export async function cleanupSlurm(
  record: JobRecord,
  context: Pick<ExecutorContext, "store"> & Partial<Pick<ExecutorContext, "env" | "homeDir">>,
): Promise<CleanupResult> {
  if (record.detail["cleaned"] === true) return { cleaned: false, message: "already cleaned up (logs kept)" };
  const { handle, transport, jobDir, logNames } = slurmJobFiles(record, context);
  if (jobDir === "") return { cleaned: false, message: "never submitted; nothing on the cluster" };
  const status = await handle.status();
  if (!TERMINAL_STATES.has(status.state))
    return { cleaned: false, message: `still ${status.state}; cancel it first` };
  const local = context.store.jobDir(record.id);
  for (const name of logNames) {
    const { stdout } = await transport.run(`cat ${shq(`${jobDir}/${name}`)} 2>/dev/null; true`);
    writeFileSync(join(local, name), stdout, { mode: 0o600 });
  }
  const removed = await transport.run(`rm -rf ${shq(jobDir)}`);
  if (removed.exitCode !== 0) {
    return {
      cleaned: false,
      message: `could not remove ${jobDir} on ${transport.label}: ${removed.stderr.trim()}`,
    };
  }
  context.store.update(record.id, { detail: { ...record.detail, cleaned: true } });
  return { cleaned: true, message: `removed ${jobDir} on ${transport.label} (logs kept)` };
}
