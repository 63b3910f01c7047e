import { setTimeout as sleep } from "node:timers/promises";
import { LineReader } from "../line-reader.ts";
import type { LogEntry, LogStream } from "../types.ts";
import { parseOutputRecord } from "./output-record.ts";

/** How to read a local job's `output.log`. */
export interface ReadOutputLogOptions {
  /**
   * Keep reading until the job has ended and its copier wrote the end marker. Without it, what is there now (and,
   * for a job that has ended, up to its end marker).
   */
  readonly follow: boolean;
  readonly stream: LogStream;
  /** Whether the job has ended (asked when a poll found nothing new). */
  readonly isDone: () => Promise<boolean>;
  readonly signal?: AbortSignal | undefined;
  readonly pollMs?: number;
  /**
   * How long a read goes on after the job ended with no end marker and nothing new: a process the job left
   * running in the background can hold its output open (and the marker back) for ever. Default 2000.
   */
  readonly endGraceMs?: number;
}

/**
 * The entries of a local job's ordered log, each with its stream and time, in the order the copier received them;
 * with `follow`, new ones as they are written until the job has ended and the end marker is read (or
 * {@link ReadOutputLogOptions.endGraceMs} passed without it). A record still
 * being written (no newline yet) is left for the next read, never shown torn.
 *
 * @example
 * ```ts
 * for await (const entry of readOutputLog(files.output, { follow: true, stream: "all", isDone })) console.log(entry);
 * ```
 */
export async function* readOutputLog(path: string, options: ReadOutputLogOptions): AsyncGenerator<LogEntry> {
  const reader = new LineReader(path);
  const pollMs = options.pollMs ?? 100;
  const endGraceMs = options.endGraceMs ?? 2000;
  let doneSince: number | undefined;
  try {
    for (;;) {
      let progressed = false;
      let ended = false;
      for (const line of await reader.readLines()) {
        progressed = true;
        const record = parseOutputRecord(line);
        if (record === undefined) continue;
        if (record.kind === "end") {
          ended = true;
          continue;
        }
        if (options.stream !== "all" && options.stream !== record.stream) continue;
        yield { stream: record.stream, line: record.text, time: record.time };
      }
      if (ended || options.signal?.aborted === true) return;
      if (doneSince === undefined) {
        if (progressed && options.follow) continue;
        // The copier writes a job's last lines just after the job ends: a job that ended waits for them (the end
        // marker), so `slipway wait id && slipway logs id` shows everything.
        if (await options.isDone()) doneSince = Date.now();
        else if (!options.follow) return;
      } else if (progressed) {
        doneSince = Date.now();
      } else if (Date.now() - doneSince >= endGraceMs) {
        return;
      }
      // Waiting for the end marker is waiting on a copier a few milliseconds behind: look again soon.
      const wait = doneSince === undefined ? pollMs : Math.min(pollMs, 20);
      await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    await reader.close();
  }
}
