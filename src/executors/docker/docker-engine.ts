import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type Dockerode from "dockerode";
import * as z from "zod";
import { EngineError } from "../../errors.ts";
import { isTerminal, type JobStatus } from "../../job/job-state.ts";
import { timeLimitReason, withAttempt } from "../attempt-reason.ts";
import { TIME_LIMIT_MARKER } from "./entry-script.ts";
import type { JobFiles } from "../../store/job-files.ts";
import type { JobEngine, LogSaver } from "../executor-module.ts";
import type { CleanupResult, LogEntry, LogOptions } from "../types.ts";
import { registerWait, type WaitCondition } from "./container-wait.ts";
import {
  dockerApiError,
  statusCodeOf,
  unreachable,
  unreadableAnswer,
  type DockerRequest,
} from "./docker-api-error.ts";
import { takesConnections } from "./daemon-ping.ts";
import { dockerClient, type DockerClient } from "./docker-client.ts";
import type { DockerDetail } from "./docker-detail.ts";
import { containerLogEntries } from "./container-logs.ts";
import { LogFrames } from "./log-frames.ts";
import { exitOf, inspectedStatus, removedStatus, type ContainerExit, type InspectedState } from "./states.ts";

const inspectSchema = z.object({
  RestartCount: z.number().default(0),
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
  // When the daemon last showed the container running, and since when it cannot be reached: a container that ended
  // between the two was stopped by the daemon going away (see `daemonRestartReason`).
  let runningAt: number | undefined;
  let unreachableSince: number | undefined;
  const noteUnreachable = (error: unknown): void => {
    if (error instanceof EngineError && error.code === "ENGINE_UNREACHABLE" && runningAt !== undefined)
      unreachableSince ??= Date.now();
  };
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
  const logSource = {
    host: detail.host,
    containerId: id,
    files,
    // A follow stays open: over the streams' sockets (see DockerClient).
    container: async (): Promise<Dockerode.Container> => (await connect()).streams.getContainer(id),
  };

  const condition = (): WaitCondition =>
    detail.rm || lastStatus === "removing"
      ? "removed"
      : lastStatus === "created"
        ? "next-exit"
        : "not-running";

  // Whether the entry wrapper recorded the time limit in the container (read from its filesystem, as `docker cp`).
  async function reachedTimeLimit(): Promise<boolean> {
    const request = {
      method: "GET",
      path: `/containers/${id}/archive?path=${TIME_LIMIT_MARKER}`,
      what: `look for the time limit's marker in container ${short}`,
    };
    try {
      const archive = await (await containerOf()).getArchive({ path: TIME_LIMIT_MARKER });
      (archive as NodeJS.ReadableStream & { destroy(): void }).destroy();
      return true;
    } catch (error) {
      if (statusCodeOf(error) === 404) return false;
      throw fail(request, error);
    }
  }

  // A job at its end: the time limit named if it was reached; the container removed if slipway is to do it.
  async function ended(status: JobStatus): Promise<JobStatus> {
    if (!isTerminal(status)) return status;
    let final = status;
    if (detail.timeLimit !== undefined && status.state !== "cancelled" && (await reachedTimeLimit())) {
      // A restart after the limit exits 0 at once (so Docker stops restarting): that code says nothing.
      const exitCode = status.exitCode === 0 ? undefined : status.exitCode;
      final = { ...status, state: "failed", exitCode, reason: timeLimitReason(detail.timeLimit) };
    }
    if (detail.removeWhenEnded) {
      await (await containerOf()).remove({ force: true }).catch((error: unknown) => {
        if (statusCodeOf(error) !== 404) {
          const request = { method: "DELETE", path: `/containers/${id}`, what: `remove container ${short}` };
          throw fail(request, error);
        }
      });
    }
    return final;
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
      // Before the request: a container seen running then ended after this time.
      const asked = Date.now();
      try {
        answer = await container.inspect();
      } catch (error) {
        if (statusCodeOf(error) !== 404) {
          const failure = fail(request, error);
          noteUnreachable(failure);
          throw failure;
        }
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
      const now = Date.now();
      const outage =
        runningAt === undefined || unreachableSince === undefined ? undefined : { from: runningAt, to: now };
      unreachableSince = undefined;
      if (state.status === "running") runningAt = asked;
      const status = inspectedStatus(state, {
        rm: detail.rm,
        cancelRequested: cancelRequested(),
        now,
        outage,
      });
      // A daemon shutting down stops its containers and still answers on open connections: its word on a container
      // it just stopped is not the end, the next daemon's is (and names the restart).
      if (status.state === "failed" && runningAt !== undefined && !(await takesConnections(detail.host))) {
        const failure = unreachable(detail.host, new Error("the daemon is shutting down"), request);
        noteUnreachable(failure);
        throw failure;
      }
      return ended(withAttempt(status, parsed.data.RestartCount + 1, detail.retries + 1));
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

    async *logs(options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<string> {
      // The same read as `entries`, without the stream tags and times.
      for await (const entry of containerLogEntries(logSource, options, isDone)) yield entry.line;
    },

    entries: (options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<LogEntry> =>
      containerLogEntries(logSource, options, isDone),

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
        if (error instanceof EngineError && error.code === "ENGINE_UNREACHABLE") {
          // The daemon is away (restarting?): the next probe rides that out; waiting out the bound keeps this from
          // spinning on a socket that refuses at once.
          noteUnreachable(error);
          await aborted(both);
          signal?.throwIfAborted();
          return;
        }
        throw error;
      } finally {
        clearTimeout(timer);
        bound.abort();
      }
    },
  };
}

/** Resolves once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    signal.addEventListener(
      "abort",
      () => {
        resolve();
      },
      { once: true },
    );
  });
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
