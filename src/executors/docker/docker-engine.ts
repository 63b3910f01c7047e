import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type Dockerode from "dockerode";
import * as z from "zod";
import { EngineError } from "../../errors.ts";
import type { JobStatus } from "../../job/job-state.ts";
import type { JobFiles } from "../../store/job-files.ts";
import type { JobEngine, LogSaver } from "../executor-module.ts";
import { tailFiles } from "../tail-file.ts";
import type { CleanupResult, LogEntry, LogOptions } from "../types.ts";
import { registerWait, type WaitCondition } from "./container-wait.ts";
import { dockerApiError, statusCodeOf, unreadableAnswer, type DockerRequest } from "./docker-api-error.ts";
import { dockerClient, type DockerClient } from "./docker-client.ts";
import type { DockerDetail } from "./docker-detail.ts";
import { LogFrames, type StreamLine } from "./log-frames.ts";
import { exitOf, inspectedStatus, removedStatus, type ContainerExit, type InspectedState } from "./states.ts";

const inspectSchema = z.object({
  State: z.object({
    Status: z.string(),
    ExitCode: z.number(),
    OOMKilled: z.boolean().default(false),
    Error: z.string().default(""),
    FinishedAt: z.string().default(""),
  }),
});

// How long a probe that found the container gone waits for the answer of a removal wait registered before the start.
const REMOVAL_ANSWER_MS = 5000;

/**
 * A docker job's engine: status from `inspect` (mapped by `states.ts`), stop as `docker stop` (SIGTERM, SIGKILL after
 * the grace period), logs demultiplexed from the daemon, cleanup as "save both streams, then remove the container".
 * `changed` is the daemon's own wait, bounded; the exit it reports is kept here, so that a container Docker removes
 * when it ends (`rm = true`) still ends with its exit code. `removed` is such a wait registered before the container
 * started (the launching process's, which cannot miss the end).
 *
 * @example
 * ```ts
 * const engine = dockerEngine(store.files(id), { containerId, host: "unix:///var/run/docker.sock", graceSeconds: 10, rm: false });
 * await engine.probe(); // { state: "running", raw: "running", … }
 * ```
 */
export function dockerEngine(
  files: JobFiles,
  detail: DockerDetail,
  removed?: Promise<ContainerExit | undefined>,
): JobEngine {
  const id = detail.containerId;
  const short = id.slice(0, 12);
  // How the container ended, once seen (inspect or wait); all that is left of it once Docker removed it.
  let exit: ContainerExit | undefined;
  // Docker's last word on the container, for the wait condition.
  let lastStatus: string | undefined;
  // Once it settled (answered, or failed with the connection), the bounded waits below take over.
  let backgroundPending = removed !== undefined;
  const background = removed?.then((seen) => {
    exit ??= seen;
    backgroundPending = false;
  });
  const connect = (): Promise<DockerClient> => dockerClient(detail.host);
  const containerOf = async (): Promise<Dockerode.Container> => (await connect()).docker.getContainer(id);
  const fail = (request: DockerRequest, error: unknown): Error => dockerApiError(detail.host, request, error);
  const cancelRequested = (): boolean => existsSync(files.cancelRequested);

  const condition = (): WaitCondition =>
    detail.rm || lastStatus === "removing"
      ? "removed"
      : lastStatus === "created"
        ? "next-exit"
        : "not-running";

  async function* readEntries(options: LogOptions): AsyncGenerator<LogEntry> {
    const wanted = options.stream ?? "all";
    const request = {
      method: "GET",
      path: `/containers/${id}/logs`,
      what: `read the logs of container ${short}`,
    };
    const container = await containerOf();
    // The daemon keeps both streams in one log with a time per line: asked together, they come in write order.
    const streams = { stdout: wanted !== "stderr", stderr: wanted !== "stdout", timestamps: true };
    let source: Buffer | NodeJS.ReadableStream;
    try {
      source =
        options.follow === true
          ? await container.logs({ follow: true, ...streams })
          : await container.logs({ follow: false, ...streams });
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw fail(request, error);
      const saved = (["stdout", "stderr"] as const).filter((stream) => streams[stream]);
      for (const stream of saved) {
        for await (const line of tailFiles([{ path: files.log(stream) }], {
          follow: false,
          isDone: () => Promise.resolve(true),
        })) {
          yield { stream, line };
        }
      }
      return;
    }
    const frames = new LogFrames();
    const pick = (lines: StreamLine[]): LogEntry[] =>
      lines.filter((line) => streams[line.stream]).map((line) => timedEntry(line));
    if (Buffer.isBuffer(source)) {
      yield* pick([...frames.push(source), ...frames.end()]);
      return;
    }
    const stream = source as NodeJS.ReadableStream & AsyncIterable<Buffer> & { destroy(): void };
    const abort = (): void => {
      stream.destroy();
    };
    options.signal?.addEventListener("abort", abort, { once: true });
    try {
      for await (const chunk of stream) yield* pick(frames.push(chunk));
      yield* pick(frames.end());
    } catch (error) {
      if (options.signal?.aborted !== true) throw fail(request, error);
    } finally {
      options.signal?.removeEventListener("abort", abort);
      stream.destroy();
    }
  }

  return {
    poll: {
      firstMs: 100,
      maxMs: 2000,
      factor: 2,
      // docker stop sends SIGKILL after the grace period; the daemon confirms (and removes, with rm) soon after.
      cancelDeadlineMs: () => detail.graceSeconds * 1000 + 15_000,
      unconfirmedCancel: (_status, waitedMs) =>
        `cancel requested; container ${short} had not stopped ${Math.round(waitedMs / 1000)} s after docker stop`,
    },

    async probe(): Promise<JobStatus> {
      const request = { method: "GET", path: `/containers/${id}/json`, what: `inspect container ${short}` };
      const container = await containerOf();
      let answer: unknown;
      try {
        answer = await container.inspect();
      } catch (error) {
        if (statusCodeOf(error) !== 404) throw fail(request, error);
        // Gone: the daemon answers the removal wait as it removes, but that answer may still be on its way here.
        if (exit === undefined && background !== undefined) await within(background, REMOVAL_ANSWER_MS);
        return removedStatus(exit, cancelRequested());
      }
      const parsed = inspectSchema.safeParse(answer);
      if (!parsed.success) throw unreadableAnswer(detail.host, request, answer);
      const s = parsed.data.State;
      const state: InspectedState = {
        status: s.Status,
        exitCode: s.ExitCode,
        oomKilled: s.OOMKilled,
        error: s.Error,
        finishedAt: s.FinishedAt,
      };
      lastStatus = state.status;
      exit = exitOf(state) ?? exit;
      return inspectedStatus(state, { rm: detail.rm, cancelRequested: cancelRequested(), now: Date.now() });
    },

    async stop(): Promise<void> {
      const container = await containerOf();
      try {
        // Docker sends SIGTERM and, after `t` seconds, SIGKILL; with `init` the job stops at once.
        await container.stop({ t: detail.graceSeconds });
      } catch (error) {
        // 304: already stopped; 404: already removed. Either way there is nothing left to stop.
        const status = statusCodeOf(error);
        if (status === 304 || status === 404) return;
        throw fail(
          { method: "POST", path: `/containers/${id}/stop`, what: `stop container ${short}` },
          error,
        );
      }
    },

    async *logs(options: LogOptions): AsyncGenerator<string> {
      // The same read as `entries`, without the stream tags and times.
      for await (const entry of readEntries(options)) yield entry.line;
    },

    entries: (options: LogOptions): AsyncGenerator<LogEntry> => readEntries(options),

    async cleanup(save: LogSaver): Promise<CleanupResult> {
      const container = await containerOf();
      let raw: unknown;
      const request = {
        method: "GET",
        path: `/containers/${id}/logs`,
        what: `read the logs of container ${short}`,
      };
      try {
        raw = await container.logs({ follow: false, stdout: true, stderr: true });
      } catch (error) {
        if (statusCodeOf(error) === 404) return { cleaned: false, message: "container already removed" };
        throw fail(request, error);
      }
      if (!Buffer.isBuffer(raw)) throw unreadableAnswer(detail.host, request, raw);
      const frames = new LogFrames();
      const lines = [...frames.push(raw), ...frames.end()];
      for (const stream of ["stdout", "stderr"] as const) {
        const text = lines.filter((line) => line.stream === stream).map((line) => `${line.text}\n`);
        save(stream, text.join(""));
      }
      try {
        await container.remove({ force: true });
      } catch (error) {
        if (statusCodeOf(error) === 404)
          return { cleaned: true, message: `container ${short} was already removed (logs kept)` };
        throw fail({ method: "DELETE", path: `/containers/${id}`, what: `remove container ${short}` }, error);
      }
      return { cleaned: true, message: `removed container ${short} (logs kept)` };
    },

    async changed(ms: number, signal: AbortSignal | undefined): Promise<void> {
      // The referenced timer keeps the process alive while it waits, whatever the daemon's connection does.
      const bound = new AbortController();
      const timer = setTimeout(() => {
        bound.abort();
      }, ms);
      const both = signal === undefined ? bound.signal : AbortSignal.any([signal, bound.signal]);
      try {
        if (background !== undefined && backgroundPending) {
          await Promise.race([background, sleep(ms, undefined, { signal: both })]);
          return;
        }
        const wait = await registerWait(await connect(), id, condition(), both);
        const seen = await wait.ended;
        exit ??= seen;
      } catch (error) {
        signal?.throwIfAborted();
        // Our own bound ran out, or the container is gone: the next probe says what that means.
        if (bound.signal.aborted) return;
        if (error instanceof EngineError && error.status === 404) return;
        throw error;
      } finally {
        clearTimeout(timer);
        bound.abort();
      }
    },
  };
}

/** Waits for `promise` to settle, at most `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  const timer = new AbortController();
  try {
    await Promise.race([promise, sleep(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
  } finally {
    timer.abort();
  }
}

/** A line the daemon prefixed with its time (`timestamps=true`: RFC 3339 with nanoseconds, then a space). */
function timedEntry(line: StreamLine): LogEntry {
  const match = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (.*)$/s.exec(line.text);
  if (match === null) return { stream: line.stream, line: line.text };
  const [, stamp = "", text = ""] = match;
  const time = new Date(stamp);
  return Number.isNaN(time.getTime())
    ? { stream: line.stream, line: text }
    : { stream: line.stream, line: text, time: time.toISOString() };
}
