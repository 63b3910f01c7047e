import { cleanupJob } from "../../executors/cleanup-job.ts";
import { runtimeOf } from "../../runtime.ts";
import { printJson, say } from "../output.ts";

/**
 * `slipway cleanup [id...]`: frees what finished jobs still hold (docker containers, Ray jobs, Slurm job
 * directories), keeping their logs. Without ids it goes through every job and speaks only of what it removed.
 */
export async function runCleanup(
  ids: readonly string[],
  flags: { readonly json?: true } = {},
): Promise<number> {
  const runtime = runtimeOf();
  const { store } = runtime;
  const records = ids.length > 0 ? ids.map((id) => store.read(store.resolve(id))) : store.list();
  const results: { id: string; cleaned: boolean; message: string }[] = [];
  for (const record of records) {
    const result = await cleanupJob(record, runtime);
    if (result.cleaned || ids.length > 0) results.push({ id: record.id, ...result });
  }
  if (flags.json === true) {
    printJson(results);
    return 0;
  }
  for (const { id, message } of results) say(`${id}: ${message}`);
  const cleaned = results.filter((r) => r.cleaned).length;
  if (ids.length === 0) say(cleaned === 0 ? "nothing to clean up" : `cleaned up ${cleaned} job(s)`);
  // A job named here that has not ended was left alone: a script must see that it was not cleaned up.
  return results.some((result) => "active" in result && result.active === true) ? 1 : 0;
}
