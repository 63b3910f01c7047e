import { attachJob } from "../../executors/registry.ts";
import { TERMINAL_STATES } from "../../job/job-state.ts";
import type { Runtime } from "../../runtime.ts";
import type { SweepRecord } from "../../sweep/sweep-record.ts";
import { printJson, say } from "../output.ts";

/** `slipway cancel <sweep id>`: cancels every job of the sweep that has not ended (one `scancel` for a Slurm array). */
export async function runSweepCancel(
  record: SweepRecord,
  runtime: Runtime,
  flags: { readonly json?: true },
): Promise<number> {
  const ids = [...new Set(record.runs.map((run) => run.jobId))];
  const results = await Promise.all(
    ids.map(async (id) => {
      const handle = attachJob(runtime.store.read(id), runtime);
      const before = await handle.status();
      if (TERMINAL_STATES.has(before.state)) return { id, ...before, alreadyEnded: true };
      return { id, ...(await handle.cancel()), alreadyEnded: false };
    }),
  );
  if (flags.json === true) {
    printJson({ id: record.id, jobs: results });
    return 0;
  }
  const cancelled = results.filter((r) => !r.alreadyEnded);
  for (const r of cancelled)
    say(`${r.id} ${r.state}${r.reason === undefined || r.state === "cancelled" ? "" : ` (${r.reason})`}`);
  say(
    `sweep ${record.id}: ${cancelled.length} job${cancelled.length === 1 ? "" : "s"} cancelled, ${results.length - cancelled.length} had already ended`,
  );
  return 0;
}
