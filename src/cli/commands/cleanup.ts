import { cleanupJob } from "../../executors/cleanup-job.ts";
import { runtimeOf } from "../../runtime.ts";
import { say } from "../output.ts";

/**
 * `slipway cleanup [id...]`: frees what finished jobs still hold (docker containers, Ray jobs, Slurm job
 * directories), keeping their logs. Without ids it goes through every job and speaks only of what it removed.
 */
export async function runCleanup(ids: readonly string[]): Promise<number> {
  const runtime = runtimeOf();
  const { store } = runtime;
  const records = ids.length > 0 ? ids.map((id) => store.read(store.resolve(id))) : store.list();
  let cleaned = 0;
  for (const record of records) {
    const result = await cleanupJob(record, runtime);
    if (result.cleaned) cleaned += 1;
    if (result.cleaned || ids.length > 0) say(`${record.id}: ${result.message}`);
  }
  if (ids.length === 0) say(cleaned === 0 ? "nothing to clean up" : `cleaned up ${cleaned} job(s)`);
  return 0;
}
