import type { SweepRecord } from "../../sweep/sweep-record.ts";
import { sweepStatus, sweepSummary } from "../../sweep/sweep-status.ts";
import type { Runtime } from "../../runtime.ts";
import { paint, printJson } from "../output.ts";
import { stateColour } from "./state-colour.ts";

/** `slipway status <sweep id>`: one line per combination (index, values, state, exit code, job), then a summary. */
export async function runSweepStatus(
  record: SweepRecord,
  runtime: Runtime,
  flags: { readonly json?: true },
): Promise<number> {
  const runs = await sweepStatus(record, runtime);
  const summary = sweepSummary(runs);
  if (flags.json === true) {
    printJson({ ...record, runs: runs.map((run) => ({ ...run, ...run.status })), summary });
    return 0;
  }
  const rows = runs.map((run) => [
    String(run.index),
    Object.entries(run.values)
      .map(([name, value]) => `${name}=${value}`)
      .join(" "),
    run.status.state,
    run.status.exitCode === undefined ? "-" : `exit ${run.status.exitCode}`,
    run.arrayIndex === undefined ? run.jobId : `${run.jobId}[${run.arrayIndex}]`,
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const lines = rows.map((row, r) =>
    row
      .map((cell, i) => {
        const padded = i < 4 ? cell.padEnd(widths[i] ?? 0) : cell;
        const state = runs[r]?.status.state;
        return i === 2 && state !== undefined ? paint(stateColour(state), padded) : padded;
      })
      .join("  "),
  );
  process.stdout.write(
    `sweep ${record.id} (${record.profile}, ${record.executor})\n${lines.join("\n")}\n${summary}\n`,
  );
  return 0;
}
