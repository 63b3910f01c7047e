import { setTimeout as sleep } from "node:timers/promises";
import type { ExecutorKind } from "../../config/types.ts";
import type { JobState } from "../../job/job-state.ts";
import { listJobs, type JobSummary } from "../../jobs.ts";
import { age, cut, paint, printJson, table, warn } from "../output.ts";
import { nativeLabel } from "./native-label.ts";
import { stateColour } from "./state-colour.ts";

export interface ListFlags {
  readonly json?: true;
  readonly all?: true;
  readonly state: readonly JobState[];
  readonly profile: readonly string[];
  readonly executor: readonly ExecutorKind[];
  readonly since?: Date;
  readonly watch?: true;
  /** Seconds between refreshes with `watch`. */
  readonly interval: number;
}

const COMMAND_WIDTH = 60;

/** `slipway list`: newest first, filtered; with `watch`, again every `interval` seconds until Ctrl-C. */
export async function runList(flags: ListFlags): Promise<number> {
  if (flags.watch !== true) {
    print(await matching(flags), flags);
    return 0;
  }
  const stop = new AbortController();
  const onInterrupt = (): void => {
    stop.abort();
  };
  process.once("SIGINT", onInterrupt);
  try {
    let shown: string | undefined;
    while (!stop.signal.aborted) {
      const jobs = await matching(flags);
      // On a terminal the table is redrawn in place; into a pipe or file it is printed again only when it changed.
      const key = JSON.stringify(
        jobs.jobs.map(({ record, status }) => [record.id, status.state, status.exitCode]),
      );
      if (process.stdout.isTTY) {
        process.stdout.write("\x1b[H\x1b[2J");
        print(jobs, flags);
        process.stdout.write(paint("dim", `every ${flags.interval} s; Ctrl-C stops\n`));
      } else if (key !== shown) {
        if (shown !== undefined && flags.json !== true) process.stdout.write("\n");
        print(jobs, flags);
      }
      shown = key;
      await sleep(flags.interval * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  return 0;
}

async function matching(flags: ListFlags): Promise<{ jobs: JobSummary[]; more: number }> {
  // A damaged record is one line on stderr; the others are still listed.
  const all = await listJobs({
    onProblem: (problem) => {
      warn(`skipped ${problem.message}`);
    },
  });
  const since = flags.since?.getTime();
  const kept = all.filter(
    ({ record, status }) =>
      (flags.state.length === 0 || flags.state.includes(status.state)) &&
      (flags.profile.length === 0 || flags.profile.includes(record.profile)) &&
      (flags.executor.length === 0 || flags.executor.includes(record.executor)) &&
      (since === undefined || Date.parse(record.createdAt) >= since),
  );
  const jobs = flags.all === true ? kept : kept.slice(0, 20);
  return { jobs, more: kept.length - jobs.length };
}

function print({ jobs, more }: { jobs: JobSummary[]; more: number }, flags: ListFlags): void {
  if (flags.json === true) {
    const rows = jobs.map(({ record, status }) => ({ ...record, ...status }));
    // Watching, one compact array per line (JSON lines); else one indented array.
    if (flags.watch === true) process.stdout.write(`${JSON.stringify(rows)}\n`);
    else printJson(rows);
    return;
  }
  if (jobs.length === 0) {
    const filtered =
      flags.state.length + flags.profile.length + flags.executor.length > 0 || flags.since !== undefined;
    process.stdout.write(
      filtered ? "no jobs match\n" : "no jobs yet: slipway launch --profile <name> -- <command>\n",
    );
    return;
  }
  const rows = jobs.map(({ record, status }) => [
    record.id,
    paint(stateColour(status.state), status.state),
    status.exitCode === undefined ? "" : String(status.exitCode),
    record.profile,
    `${record.executor} ${nativeLabel(record.executor, record.nativeId)}`,
    age(record.createdAt),
    cut(record.command.join(" "), COMMAND_WIDTH),
  ]);
  process.stdout.write(
    `${table(["ID", "STATE", "EXIT", "PROFILE", "EXECUTOR", "CREATED", "COMMAND"], rows)}\n`,
  );
  if (more > 0) process.stdout.write(`… and ${more} older (--all)\n`);
}
