import { TERMINAL_STATES } from "../../job/job-state.ts";
import { getJob } from "../../jobs.ts";
import { runtimeOf } from "../../runtime.ts";
import { findExperiment } from "../../experiment/experiment-store.ts";
import { findSweep } from "../../sweep/sweep-store.ts";
import { printJson, say } from "../output.ts";
import { runSweepCancel } from "./sweep-cancel.ts";

/** `slipway cancel <id>`: idempotent; cancelling a finished job says so and succeeds. */
export async function runCancel(id: string, flags: { readonly json?: true } = {}): Promise<number> {
  const runtime = runtimeOf();
  const experiment = findExperiment(runtime.store, id);
  if (experiment !== undefined) {
    const { runExperimentCancel } = await import("./experiment-cancel.ts");
    return runExperimentCancel(experiment, runtime, flags);
  }
  const sweep = findSweep(runtime.store, id);
  if (sweep !== undefined) return runSweepCancel(sweep, runtime, flags);
  const job = await getJob(id);
  const before = await job.status();
  if (TERMINAL_STATES.has(before.state)) {
    if (flags.json === true) printJson({ id: job.id, ...before, alreadyEnded: true });
    else say(`${job.id} already ended (${before.state}); nothing to cancel`);
    return 0;
  }
  const after = await job.cancel();
  if (flags.json === true) {
    printJson({ id: job.id, ...after, alreadyEnded: false });
    return 0;
  }
  say(
    `${job.id} ${after.state}${after.reason === undefined || after.state === "cancelled" ? "" : ` (${after.reason})`}`,
  );
  return 0;
}
