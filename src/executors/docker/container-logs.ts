import { setTimeout as sleep } from "node:timers/promises";
import type Dockerode from "dockerode";
import { SlipwayError } from "../../errors.ts";
import type { JobFiles } from "../../store/job-files.ts";
import { tailFiles } from "../tail-file.ts";
import type { LogEntry, LogOptions } from "../types.ts";
import { dockerApiError, statusCodeOf } from "./docker-api-error.ts";
import { LogFrames, type StreamLine } from "./log-frames.ts";

/**
 * Where a container's logs come from: the daemon while it has the container, else the copies saved at cleanup.
 *
 * @example
 * ```ts
 * const source: ContainerLogSource = { host, containerId, files, container: () => containerOf() };
 * ```
 */
export interface ContainerLogSource {
  readonly host: string;
  readonly containerId: string;
  readonly files: JobFiles;
  readonly container: () => Promise<Dockerode.Container>;
}

/**
 * A container's log lines with their stream and time, in write order (the daemon keeps both streams in one log);
 * once the container is gone, the logs saved in the job store. `follow` reads until `isDone` says the job ended:
 * Docker ends a follow at each exit of the container (with restarts) and when the daemon goes away (a restart of the
 * daemon, which a container with live-restore outlives), so it follows again from the last line seen, through the
 * outage that `isDone` rides out, and once the job ended reads what came after once more.
 *
 * @example
 * ```ts
 * for await (const entry of containerLogEntries(source, { follow: true }, isDone)) console.log(entry.line);
 * ```
 */
export async function* containerLogEntries(
  source: ContainerLogSource,
  options: LogOptions,
  isDone?: () => Promise<boolean>,
): AsyncGenerator<LogEntry> {
  if (options.follow !== true || isDone === undefined) {
    for await (const read of readOnce(source, options, undefined)) yield read.entry;
    return;
  }
  let last: string | undefined;
  for (let done = false; ;) {
    let fresh = false;
    try {
      for await (const read of readOnce(source, { ...options, follow: !done }, last)) {
        // The daemon's `since` counts whole nanoseconds inclusively: the lines already seen come again.
        if (last !== undefined && read.stamp !== undefined && read.stamp <= last) continue;
        fresh = true;
        last = read.stamp ?? last;
        yield read.entry;
      }
    } catch (error) {
      // The daemon went away mid-follow: `isDone` says whether to wait for it (and gives up after a long outage).
      if (done || !(error instanceof SlipwayError) || error.code !== "ENGINE_UNREACHABLE") throw error;
    }
    if (done || options.signal?.aborted === true) return;
    done = await isDone();
    // Between two attempts (Docker's restart delay) a follow ends at once: do not ask again in a tight loop.
    if (!done && !fresh) await sleep(250, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

async function* readOnce(
  source: ContainerLogSource,
  options: LogOptions,
  since: string | undefined,
): AsyncGenerator<{ readonly entry: LogEntry; readonly stamp: string | undefined }> {
  const { containerId: id, files } = source;
  const request = {
    method: "GET",
    path: `/containers/${id}/logs`,
    what: `read the logs of container ${id.slice(0, 12)}`,
  };
  const fail = (error: unknown): Error => dockerApiError(source.host, request, error);
  const wanted = options.stream ?? "all";
  const container = await source.container();
  // The daemon keeps both streams in one log with a time per line: asked together, they come in write order.
  const streams = {
    stdout: wanted !== "stderr",
    stderr: wanted !== "stdout",
    timestamps: true,
    ...(since === undefined ? {} : { since: unixTime(since) }),
  };
  let answer: Buffer | NodeJS.ReadableStream;
  try {
    answer =
      options.follow === true
        ? await container.logs({ follow: true, ...streams })
        : await container.logs({ follow: false, ...streams });
  } catch (error) {
    if (statusCodeOf(error) !== 404) throw fail(error);
    const saved = (["stdout", "stderr"] as const).filter((stream) => streams[stream]);
    for (const stream of saved) {
      for await (const line of tailFiles([{ path: files.log(stream) }], {
        follow: false,
        isDone: () => Promise.resolve(true),
      })) {
        yield { entry: { stream, line }, stamp: undefined };
      }
    }
    return;
  }
  const frames = new LogFrames();
  const pick = (lines: StreamLine[]) =>
    lines.filter((line) => streams[line.stream]).map((line) => timedEntry(line));
  if (Buffer.isBuffer(answer)) {
    yield* pick([...frames.push(answer), ...frames.end()]);
    return;
  }
  const stream = answer as NodeJS.ReadableStream & AsyncIterable<Buffer> & { destroy(): void };
  const abort = (): void => {
    stream.destroy();
  };
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    for await (const chunk of stream) yield* pick(frames.push(chunk));
    yield* pick(frames.end());
  } catch (error) {
    if (options.signal?.aborted !== true) throw fail(error);
  } finally {
    options.signal?.removeEventListener("abort", abort);
    stream.destroy();
  }
}

// With its time as the daemon wrote it, nanoseconds padded to nine digits so that times compare as strings.
function timedEntry(line: StreamLine): { readonly entry: LogEntry; readonly stamp: string | undefined } {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z (.*)$/s.exec(line.text);
  if (match === null) return { entry: { stream: line.stream, line: line.text }, stamp: undefined };
  const [, seconds = "", fraction = "", text = ""] = match;
  const time = new Date(`${seconds}.${fraction.slice(0, 3).padEnd(3, "0")}Z`);
  if (Number.isNaN(time.getTime())) return { entry: { stream: line.stream, line: text }, stamp: undefined };
  return {
    entry: { stream: line.stream, line: text, time: time.toISOString() },
    stamp: `${seconds}.${fraction.padEnd(9, "0")}`,
  };
}

/** A stamp of {@link timedEntry} as the daemon's `since` takes it: seconds since the epoch and nanoseconds. */
function unixTime(stamp: string): string {
  const [seconds = "", nanos = "0"] = stamp.split(".");
  return `${Math.floor(Date.parse(`${seconds}Z`) / 1000)}.${nanos}`;
}
