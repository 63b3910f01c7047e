import { cleanupJob } from "../../executors/registry.ts";
import { runtimeOf } from "../../runtime.ts";
import { say } from "../output.ts";

/**
 * `slipway cleanup [id...]`: frees what finished jobs still hold (docker containers, Slurm job directories), keeping
 * their logs. Without
 * ids it goes through every job and speaks only of what it removed.
 */
export async function runCleanup(ids: readonly string[]): Promise<number> {
  const { store, env, homeDir } = runtimeOf();
  const records = ids.length > 0 ? ids.map((id) => store.read(store.resolve(id))) : store.list();
  let cleaned = 0;
  for (const record of records) {
    const result = await cleanupJob(record, { store, env, homeDir });
    if (result?.cleaned === true) cleaned += 1;
    if (result !== undefined && (result.cleaned || ids.length > 0)) say(`${record.id}: ${result.message}`);
    if (result === undefined && ids.length > 0)
      say(`${record.id}: nothing to clean up (${record.executor} job)`);
  }
  if (ids.length === 0) say(cleaned === 0 ? "nothing to clean up" : `cleaned up ${cleaned} job(s)`);
  return 0;
}
