import type { ExperimentRecord } from "../../experiment/experiment-record.ts";
import { liveSupervisor } from "../../experiment/supervise-experiment.ts";
import type { Runtime } from "../../runtime.ts";
import { paint, printJson } from "../output.ts";
import { stateColour } from "./state-colour.ts";

/** `slipway status <experiment id>`: one line per step (name, state, what it waits for, its job), then the supervisor. */
export function runExperimentStatus(
  record: ExperimentRecord,
  _runtime: Runtime,
  flags: { readonly json?: true },
): number {
  const owner = liveSupervisor(record) ?? (record.supervisor?.pid === process.pid ? process.pid : undefined);
  if (flags.json === true) {
    printJson({ ...record, supervised: owner !== undefined });
    return 0;
  }
  const rows = record.steps.map((step) => [
    step.name,
    step.state,
    step.after.length === 0 ? "-" : `after ${step.after.join(", ")}`,
    `${step.jobId} (${step.profile}${step.sweep ? ", sweep" : ""})`,
    step.reason ?? "",
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => {
        const padded = i < 4 ? cell.padEnd(widths[i] ?? 0) : cell;
        if (i !== 1) return padded;
        const state = cell === "waiting" || cell === "launching" ? "pending" : (cell as "running");
        return paint(stateColour(state), padded);
      })
      .join("  ")
      .trimEnd(),
  );
  const ended = record.steps.every((s) => ["succeeded", "failed", "cancelled"].includes(s.state));
  const supervisor =
    owner !== undefined
      ? `supervisor: running (pid ${owner})`
      : ended
        ? "supervisor: done"
        : `supervisor: not running; slipway run --resume ${record.id} continues it`;
  process.stdout.write(`experiment ${record.id} (${record.file})\n${lines.join("\n")}\n${supervisor}\n`);
  return 0;
}
