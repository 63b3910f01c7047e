import { runtimeOf } from "../../runtime.ts";
import { paint, say } from "../output.ts";
import { removeJob } from "./remove-jobs.ts";

/**
 * `slipway rm <id…> [--save-logs DIR]`: removes ended jobs from the job store — the record and its logs (copied to
 * `DIR/<id>/` first with `--save-logs`), after freeing what the job still holds on its engine. A job that has not
 * ended is refused (exit 2); the others are still removed.
 */
export async function runRm(ids: readonly string[], flags: { readonly saveLogs?: string }): Promise<number> {
  const runtime = runtimeOf();
  const { store } = runtime;
  let refused = 0;
  for (const id of ids) {
    const record = store.read(store.resolve(id));
    const result = await removeJob(record, runtime, flags.saveLogs);
    if (result.removed) {
      say(`${result.id}: ${result.message}`);
      continue;
    }
    refused += 1;
    process.stderr.write(
      `${paint("red", "error:", "stderr")} cannot remove ${result.id}: ${result.message}\n`,
    );
  }
  if (refused > 0) {
    process.stderr.write(
      `${paint("yellow", "hint:", "stderr")} only ended jobs are removed; slipway list shows their states\n`,
    );
    return 2;
  }
  return 0;
}
