import type { ExperimentRecord } from "../../experiment/experiment-record.ts";
import { requestCancel, writeExperiment } from "../../experiment/experiment-store.ts";
import { cancelLaunchedStep } from "../../experiment/step-status.ts";
import { liveSupervisor } from "../../experiment/supervise-experiment.ts";
import type { Runtime } from "../../runtime.ts";
import { printJson, say } from "../output.ts";

/**
 * `slipway cancel <experiment id>`: cancels every launched step's job(s) and asks the supervisor to launch nothing
 * more; without a live supervisor, marks the steps that had not ended `cancelled` itself.
 */
export async function runExperimentCancel(
  record: ExperimentRecord,
  runtime: Runtime,
  flags: { readonly json?: true },
): Promise<number> {
  requestCancel(runtime.store, record.id);
  const launched = record.steps.filter((step) => step.state === "launching" || step.state === "running");
  await Promise.all(launched.map((step) => cancelLaunchedStep(step, runtime)));
  if (liveSupervisor(record) === undefined) {
    const now = new Date().toISOString();
    writeExperiment(runtime.store, {
      ...record,
      steps: record.steps.map((step) =>
        ["succeeded", "failed", "cancelled"].includes(step.state)
          ? step
          : { ...step, state: "cancelled", reason: "experiment cancelled", endedAt: now },
      ),
    });
  }
  if (flags.json === true) printJson({ id: record.id, cancelled: record.steps.map((s) => s.name) });
  else say(`experiment ${record.id}: cancel requested; ${launched.length} running step(s) cancelled`);
  return 0;
}
