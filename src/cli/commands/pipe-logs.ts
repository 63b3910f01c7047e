import type { JobHandle, LogEntry } from "../../executors/types.ts";
import { note } from "../output.ts";

/** How `logs` (and a foreground launch) prints a job's output. */
export interface PipeLogsOptions {
  readonly follow: boolean;
  readonly signal?: AbortSignal;
  readonly stream?: "stdout" | "stderr" | "all";
  readonly index?: number;
  /** Only the last `tail` lines of what is there now (then, with `follow`, every new line). */
  readonly tail?: number;
  /** Only lines written at or after this time (engines that keep times). */
  readonly since?: Date;
  /** Prefix each line with the time it was written (engines that keep times). */
  readonly timestamps?: boolean;
  /** One JSON object per line on stdout: `{"stream","line","time"?}`. */
  readonly json?: boolean;
}

/**
 * Copies a job's output to ours, stdout lines to stdout and stderr lines to stderr, in the order the engine kept
 * them, until the logs end or `signal` aborts; returns how many lines were copied.
 */
export async function pipeLogs(job: JobHandle, options: PipeLogsOptions): Promise<number> {
  const read = (follow: boolean): AsyncIterable<LogEntry> =>
    job.logEntries({
      follow,
      stream: options.stream ?? "all",
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.index === undefined ? {} : { index: options.index }),
    });
  const wantsTimes = options.since !== undefined || options.timestamps === true;
  let skip = 0;
  if (options.tail !== undefined) {
    // Count what is there now, then skip all but the last `tail` of it on the real read.
    let present = 0;
    for await (const entry of read(false)) if (keep(entry, options.since)) present += 1;
    skip = Math.max(0, present - options.tail);
  }
  let lines = 0;
  let noted = false;
  for await (const entry of read(options.follow)) {
    if (wantsTimes && entry.time === undefined && !noted) {
      noted = true;
      note(
        `the ${job.executor} logs of ${job.id} keep no time per line, so ${timeFlags(options)} cannot apply: every line is shown`,
      );
    }
    if (!keep(entry, options.since)) continue;
    if (skip > 0) {
      skip -= 1;
      continue;
    }
    lines += 1;
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify(entry)}\n`);
      continue;
    }
    const prefix = options.timestamps === true && entry.time !== undefined ? `${entry.time} ` : "";
    (entry.stream === "stderr" ? process.stderr : process.stdout).write(`${prefix}${entry.line}\n`);
  }
  return lines;
}

function keep(entry: LogEntry, since: Date | undefined): boolean {
  return since === undefined || entry.time === undefined || Date.parse(entry.time) >= since.getTime();
}

function timeFlags(options: PipeLogsOptions): string {
  return [options.since === undefined ? "" : "--since", options.timestamps === true ? "--timestamps" : ""]
    .filter((flag) => flag !== "")
    .join(" and ");
}
