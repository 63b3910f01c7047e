import { attachJob } from "../../executors/registry.ts";
import { runtimeOf } from "../../runtime.ts";
import { findExperiment } from "../../experiment/experiment-store.ts";
import { findSweep } from "../../sweep/sweep-store.ts";
import { age, paint, printJson } from "../output.ts";
import { nativeLabel } from "./native-label.ts";
import { stateColour } from "./state-colour.ts";
import { runSweepStatus } from "./sweep-status.ts";

/** `slipway status [id]` */
export async function runStatus(id: string | undefined, flags: { readonly json?: true }): Promise<number> {
  const runtime = runtimeOf();
  const experiment = findExperiment(runtime.store, id);
  if (experiment !== undefined) {
    const { runExperimentStatus } = await import("./experiment-status.ts");
    return runExperimentStatus(experiment, runtime, flags);
  }
  const sweep = findSweep(runtime.store, id);
  if (sweep !== undefined) return runSweepStatus(sweep, runtime, flags);
  const handle = attachJob(runtime.store.read(runtime.store.resolve(id)), runtime);
  const status = await handle.status();
  const { record } = handle;
  if (flags.json === true) {
    printJson({ ...record, ...status });
    return 0;
  }
  // The engine's own word only where it says more than the state: "succeeded (COMPLETED)", not "running (running)".
  const raw = status.raw === "" || status.raw.toLowerCase() === status.state ? "" : ` (${status.raw})`;
  const rows: [string, string][] = [
    ["job", record.id],
    ["state", `${paint(stateColour(status.state), status.state)}${raw}`],
    ...(status.exitCode === undefined ? [] : [["exit code", String(status.exitCode)] as [string, string]]),
    ...(status.reason === undefined ? [] : [["reason", status.reason] as [string, string]]),
    ["profile", `${record.profile} (${record.executor} ${nativeLabel(record.executor, record.nativeId)})`],
    ["command", record.command.join(" ")],
    ["created", `${record.createdAt} (${age(record.createdAt)})`],
    ...(record.endedAt === undefined ? [] : [["ended", record.endedAt] as [string, string]]),
    ["logs", `slipway logs ${record.id}`],
    ...(record.wandbUrl === undefined ? [] : [["W&B run", record.wandbUrl] as [string, string]]),
  ];
  const width = Math.max(...rows.map(([key]) => key.length));
  process.stdout.write(`${rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join("\n")}\n`);
  return 0;
}
