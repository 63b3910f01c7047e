import { existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { JobStatus } from "../../job/job-state.ts";
import { isSameProcessAlive } from "../../job/process-info.ts";
import type { JobFiles } from "../../store/job-files.ts";
import type { JobEngine } from "../executor-module.ts";
import { withAttempt, timeLimitReason } from "../attempt-reason.ts";
import { mergeStreams, tailFiles } from "../tail-file.ts";
import type { LogEntry, LogOptions } from "../types.ts";
import type { LocalDetail } from "./local-detail.ts";
import { readOutputLog } from "./read-output-log.ts";
import { LOCAL_STATES, localState, type LocalRawState } from "./states.ts";

/**
 * A local job's engine: state from the live process (pid + start time, so a reused pid is never mistaken for it),
 * else from the exit code its wrapper recorded; stop = SIGTERM to the process group, SIGKILL after the grace period.
 *
 * @example
 * ```ts
 * const engine = localEngine(files, { pid: 4242, startTime: "98765", graceSeconds: 10 });
 * await engine.probe(); // { state: "running", raw: "running", … }
 * ```
 */
export function localEngine(files: JobFiles, detail: LocalDetail, exited?: Promise<unknown>): JobEngine {
  const alive = (): boolean => isSameProcessAlive(detail.pid, detail.startTime);
  // Where the wrapper's retries stand (it writes the attempt file from the second on) and the time limit.
  const attempt = (): Attempt => ({
    number: detail.retries === 0 ? 1 : (recordedNumber(files.attempt) ?? 1),
    of: detail.retries + 1,
    limit: detail.timeLimit,
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    // Only signal the group if its leader is still the job's wrapper, never a process that reused the pid.
    if (!alive()) return;
    try {
      process.kill(-detail.pid, signal);
    } catch {
      // Gone between the check and the signal: nothing left to stop.
    }
  };
  return {
    poll: {
      firstMs: 50,
      maxMs: 1000,
      factor: 2,
      // SIGKILL follows SIGTERM after the grace period; the group is gone a moment later.
      cancelDeadlineMs: () => detail.graceSeconds * 1000 + 5000,
    },
    probe(): Promise<JobStatus> {
      let exitCode = recordedExitCode(files);
      if (exitCode === undefined && alive())
        return Promise.resolve(toStatus("running", undefined, attempt()));
      // The wrapper writes the code before it exits, so read again now that the process is known to be gone.
      exitCode ??= recordedExitCode(files);
      const raw = localState({
        exitCode,
        cancelRequested: existsSync(files.cancelRequested),
        timeLimitReached: existsSync(files.timeLimitReached),
      });
      return Promise.resolve(toStatus(raw, exitCode, attempt()));
    },
    async stop(): Promise<void> {
      signalGroup("SIGTERM");
      const deadline = Date.now() + detail.graceSeconds * 1000;
      while (alive() && Date.now() < deadline) await sleep(20);
      if (alive()) {
        signalGroup("SIGKILL");
        while (alive()) await sleep(10);
      }
    },
    async *logs(options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<string> {
      if (!existsSync(files.output)) {
        yield* streamLogs(files, options, isDone);
        return;
      }
      for await (const entry of orderedEntries(files, options, isDone)) yield entry.line;
    },
    entries(options: LogOptions, isDone: () => Promise<boolean>): AsyncIterable<LogEntry> {
      if (existsSync(files.output)) return orderedEntries(files, options, isDone);
      // A job launched before the ordered log existed: both streams side by side, as they can be read.
      const wanted = options.stream ?? "all";
      const read = (stream: "stdout" | "stderr"): AsyncIterable<string> | undefined =>
        wanted === "all" || wanted === stream ? streamLogs(files, { ...options, stream }, isDone) : undefined;
      return mergeStreams({ stdout: read("stdout"), stderr: read("stderr") });
    },
    async changed(ms: number, signal: AbortSignal | undefined): Promise<void> {
      if (exited === undefined) {
        await sleep(ms, undefined, { signal });
        return;
      }
      // The referenced timer keeps this process alive even when the child was unref'd (a detached launch).
      const timer = new AbortController();
      const both = signal === undefined ? timer.signal : AbortSignal.any([signal, timer.signal]);
      try {
        await Promise.race([exited, sleep(ms, undefined, { signal: both })]);
      } catch (error) {
        if (signal?.aborted === true) throw error;
      } finally {
        timer.abort();
      }
    },
  };
}

/** The ordered log (`output.log`), which every local job launched since it exists has. */
function orderedEntries(
  files: JobFiles,
  options: LogOptions,
  isDone: () => Promise<boolean>,
): AsyncGenerator<LogEntry> {
  return readOutputLog(files.output, {
    follow: options.follow ?? false,
    stream: options.stream ?? "all",
    isDone,
    signal: options.signal,
  });
}

/** The per-stream logs, one after the other: all an older job has. */
function streamLogs(
  files: JobFiles,
  options: LogOptions,
  isDone: () => Promise<boolean>,
): AsyncGenerator<string> {
  const stream = options.stream ?? "all";
  const paths = [
    ...(stream === "stderr" ? [] : [files.log("stdout")]),
    ...(stream === "stdout" ? [] : [files.log("stderr")]),
  ];
  return tailFiles(
    paths.map((path) => ({ path })),
    { follow: options.follow ?? false, signal: options.signal, isDone },
  );
}

/** Which run of the command this is, out of how many at most; the time limit as written. */
interface Attempt {
  readonly number: number;
  readonly of: number;
  readonly limit: string | undefined;
}

function recordedExitCode(files: JobFiles): number | undefined {
  return recordedNumber(files.exitCode);
}

function recordedNumber(path: string): number | undefined {
  try {
    const text = readFileSync(path, "utf8").trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function toStatus(raw: LocalRawState, exitCode: number | undefined, attempt: Attempt): JobStatus {
  const status = { state: LOCAL_STATES[raw], raw, exitCode, reason: reasonFor(raw, exitCode, attempt.limit) };
  // The time limit ends the job whatever attempt it was on.
  return raw === "time-limit" ? status : withAttempt(status, attempt.number, attempt.of);
}

function reasonFor(
  raw: LocalRawState,
  exitCode: number | undefined,
  limit: string | undefined,
): string | undefined {
  switch (raw) {
    case "exited":
      return `exited with code ${exitCode ?? "?"}`;
    case "time-limit":
      return timeLimitReason(limit);
    case "signalled":
      return `killed by signal ${(exitCode ?? 128) - 128}`;
    case "vanished":
      return "the process ended without recording an exit code (killed with SIGKILL, or the machine restarted)";
    case "cancelled":
      return "cancelled";
    default:
      return undefined;
  }
}
