import type { SweepRecord } from "../../sweep/sweep-record.ts";
import { sweepStatus, sweepSummary } from "../../sweep/sweep-status.ts";
import type { Runtime } from "../../runtime.ts";
import { paint, printJson } from "../output.ts";
import { stateColour } from "./state-colour.ts";

/**
 * `slipway status <sweep id>`: one line per combination or W&B agent (index, values, state, exit code, job), then a
 * summary.
 */
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
  process.stdout.write(`${heading(record)}\n${lines.join("\n")}\n${summary}\n`);
  return 0;
}

function heading(record: SweepRecord): string {
  const where = `(${record.profile}, ${record.executor})`;
  if (record.mode !== "wandb-agents") return `sweep ${record.id} ${where}`;
  const each = record.count === undefined ? "" : `, ${record.count} runs each`;
  return `agents ${record.id} of W&B sweep ${record.wandbSweep ?? "?"} ${where}${each}`;
}
