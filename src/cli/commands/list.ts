import { listJobs } from "../../jobs.ts";
import { age, paint, printJson, table, warn } from "../output.ts";
import { stateColour } from "./state-colour.ts";

/** `slipway list`: newest first. */
export async function runList(flags: { readonly json?: true; readonly all?: true }): Promise<number> {
  // A damaged record is one line on stderr; the others are still listed.
  const all = await listJobs({
    onProblem: (problem) => {
      warn(`skipped ${problem.message}`);
    },
  });
  const jobs = flags.all === true ? all : all.slice(0, 20);
  if (flags.json === true) {
    printJson(jobs.map(({ record, status }) => ({ ...record, ...status })));
    return 0;
  }
  if (jobs.length === 0) {
    process.stdout.write("no jobs yet: slipway launch --profile <name> -- <command>\n");
    return 0;
  }
  const rows = jobs.map(({ record, status }) => [
    record.id,
    paint(stateColour(status.state), status.state),
    status.exitCode === undefined ? "" : String(status.exitCode),
    record.profile,
    `${record.executor}${record.nativeId === "" ? "" : ` ${record.nativeId}`}`,
    age(record.createdAt),
    record.command.join(" ").slice(0, 60),
  ]);
  process.stdout.write(
    `${table(["ID", "STATE", "EXIT", "PROFILE", "NATIVE", "CREATED", "COMMAND"], rows)}\n`,
  );
  if (all.length > jobs.length) process.stdout.write(`… and ${all.length - jobs.length} older (--all)\n`);
  return 0;
}
