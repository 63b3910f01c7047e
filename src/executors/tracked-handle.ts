import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { ExecutorKind } from "../config/types.ts";
import { isTerminal, type JobStatus } from "../job/job-state.ts";
import { isSameProcessAlive } from "../job/process-info.ts";
import { SlipwayError } from "../errors.ts";
import type { JobFiles } from "../store/job-files.ts";
import type { JobRecord } from "../store/job-record.ts";
import type { JobStore } from "../store/job-store.ts";
import type { JobEngine } from "./executor-module.ts";
import { mergeStreams, tailFiles } from "./tail-file.ts";
import type { JobHandle, LogEntry, LogOptions } from "./types.ts";

/** What a tracked handle needs besides its record: the store and a way to build the job's engine. */
export interface TrackedHandleDeps {
  readonly store: JobStore;
  /** Builds the engine of a submitted record (called once, when first needed). */
  readonly engineFor: (record: JobRecord) => Promise<JobEngine>;
  /** An engine already built by `submit` in this process. */
  readonly engine?: JobEngine | undefined;
}

/** How long `wait()` and a log follow ride out an engine that cannot be reached before they give up. */
export const OUTAGE_MS = 5 * 60_000;

/**
 * The one {@link JobHandle} of every executor, over the executor's small {@link JobEngine}:
 * - `status()` returns a stored terminal status without asking the engine, else asks it; the first terminal status
 *   is written to the record once; a record without a native id whose launching process is gone is `failed`
 *   ("launch interrupted").
 * - `wait()` keeps the process alive (a referenced timer) until the job ends, backing off by the engine's policy.
 * - `cancel()` is idempotent: a terminal status is returned as is; otherwise the cancel marker is written, the engine
 *   asked to stop, and the status polled until terminal or the engine's deadline, after which the status says the
 *   end could not be confirmed.
 * - `logs()` reads the engine while it has the logs and the job store once `cleanup` saved them there.
 *
 * @example
 * ```ts
 * const handle = new TrackedHandle(store.read(id), { store, engineFor });
 * console.log(await handle.wait());
 * ```
 */
export class TrackedHandle implements JobHandle {
  readonly id: string;
  readonly executor: ExecutorKind;
  readonly #deps: TrackedHandleDeps;
  readonly #files: JobFiles;
  #record: JobRecord;
  #engine: Promise<JobEngine> | undefined;
  /** The last status the engine gave, and since when it cannot be reached (see #statusThroughOutages). */
  #seen: JobStatus | undefined;
  #unreachableSince: number | undefined;

  constructor(record: JobRecord, deps: TrackedHandleDeps) {
    this.id = record.id;
    this.executor = record.executor;
    this.#record = record;
    this.#deps = deps;
    this.#files = deps.store.files(record.id);
    if (deps.engine !== undefined) this.#engine = Promise.resolve(deps.engine);
  }

  /** The executor's own id (a pid, a Slurm job id, a container id, …); empty until submitted. */
  get nativeId(): string {
    return this.#record.nativeId;
  }

  async status(): Promise<JobStatus> {
    const stored = statusOf(this.#record);
    if (isTerminal(stored)) return stored;
    if (this.#record.nativeId === "") return this.#unsubmitted();
    const probed = await (await this.#engineNow()).probe();
    this.#seen = probed;
    this.#unreachableSince = undefined;
    this.#remember(probed);
    return probed;
  }

  async wait(options: { readonly signal?: AbortSignal } = {}): Promise<JobStatus> {
    let delay: number | undefined;
    for (;;) {
      const status = await this.#statusThroughOutages();
      if (isTerminal(status)) return status;
      options.signal?.throwIfAborted();
      const engine = this.#record.nativeId === "" ? undefined : await this.#engineNow();
      const poll = engine?.poll ?? UNSUBMITTED_POLL;
      delay = delay === undefined ? poll.firstMs : Math.min(delay * poll.factor, poll.maxMs);
      // A referenced timer keeps the process alive while waiting, even for a detached (unref'd) job.
      if (engine?.changed === undefined) await sleep(delay, undefined, { signal: options.signal });
      else await engine.changed(delay, options.signal);
    }
  }

  async cancel(): Promise<JobStatus> {
    const before = await this.status();
    if (isTerminal(before)) return before;
    writeFileSync(this.#files.cancelRequested, `${new Date().toISOString()}\n`, { mode: 0o600 });
    // Not submitted yet: the launching process sees the marker right after its submit and stops the job then.
    if (this.#record.nativeId === "") return this.status();
    const engine = await this.#engineNow();
    await engine.stop();
    const deadlineMs = engine.poll.cancelDeadlineMs(before);
    const started = Date.now();
    let delay = engine.poll.firstMs;
    for (;;) {
      const status = await this.status();
      if (isTerminal(status)) return status;
      const waited = Date.now() - started;
      if (waited >= deadlineMs) {
        const reason =
          engine.poll.unconfirmedCancel?.(status, waited) ??
          `cancel requested; the ${this.executor} engine had not confirmed the end after ${Math.round(waited / 1000)} s`;
        return { ...status, reason };
      }
      await sleep(Math.min(delay, deadlineMs - waited));
      delay = Math.min(delay * engine.poll.factor, engine.poll.maxMs);
    }
  }

  async *logs(options: LogOptions = {}): AsyncGenerator<string> {
    if (this.#record.cleanedAt !== undefined) {
      yield* this.#savedLogs(options);
      return;
    }
    if (this.#record.nativeId === "") {
      // Never reached its engine: only what the store holds (nothing, or a saved log).
      yield* this.#savedLogs(options);
      return;
    }
    const engine = await this.#engineNow();
    yield* engine.logs(options, async () => isTerminal(await this.#statusThroughOutages()));
  }

  async *logEntries(options: LogOptions = {}): AsyncGenerator<LogEntry> {
    if (this.#record.cleanedAt !== undefined || this.#record.nativeId === "") {
      yield* this.#savedEntries(options);
      return;
    }
    const engine = await this.#engineNow();
    const isDone = async (): Promise<boolean> => isTerminal(await this.#statusThroughOutages());
    if (engine.entries !== undefined) {
      yield* engine.entries(options, isDone);
      return;
    }
    // The engine keeps the streams apart: read both at once, as they come.
    const wanted = options.stream ?? "all";
    const read = (stream: "stdout" | "stderr"): AsyncIterable<string> | undefined =>
      wanted === "all" || wanted === stream ? engine.logs({ ...options, stream }, isDone) : undefined;
    yield* mergeStreams({ stdout: read("stdout"), stderr: read("stderr") });
  }

  /** The latest record as this handle knows it. */
  get record(): JobRecord {
    return this.#record;
  }

  #savedLogs(options: LogOptions): AsyncGenerator<string> {
    const streams =
      options.stream === "stdout" || options.stream === "stderr"
        ? [options.stream]
        : (["stdout", "stderr"] as const);
    const index = options.index ?? this.#firstSavedIndex();
    return tailFiles(
      streams.map((stream) => ({ path: this.#files.log(stream, index) })),
      { follow: false, isDone: () => Promise.resolve(true) },
    );
  }

  async *#savedEntries(options: LogOptions): AsyncGenerator<LogEntry> {
    const done = { follow: false, isDone: () => Promise.resolve(true) };
    const index = options.index ?? this.#firstSavedIndex();
    for (const stream of ["stdout", "stderr"] as const) {
      if (options.stream === (stream === "stdout" ? "stderr" : "stdout")) continue;
      for await (const line of tailFiles([{ path: this.#files.log(stream, index) }], done))
        yield { stream, line };
    }
  }

  // An array job's logs were saved per task: without an index, the first task's (as the engine would show them).
  #firstSavedIndex(): number | undefined {
    if (existsSync(this.#files.log("stdout")) || existsSync(this.#files.log("stderr"))) return undefined;
    let names: string[];
    try {
      names = readdirSync(this.#files.dir);
    } catch {
      return undefined;
    }
    const indices = names.flatMap((name) => {
      const match = /^(?:stdout|stderr)-(\d+)\.log$/.exec(name);
      return match === null ? [] : [Number(match[1])];
    });
    return indices.length === 0 ? undefined : Math.min(...indices);
  }

  /**
   * `status()` for what follows a job (`wait()`, a log follow): once the engine answered about this job, an engine
   * that cannot be reached (a scheduler or API server restarting, a network cut) gives the last status with the
   * reason, for up to {@link OUTAGE_MS}, instead of ending the wait; `status()` itself says it at once.
   */
  async #statusThroughOutages(): Promise<JobStatus> {
    try {
      return await this.status();
    } catch (error) {
      const seen = this.#seen;
      if (seen === undefined || !(error instanceof SlipwayError) || error.code !== "ENGINE_UNREACHABLE")
        throw error;
      this.#unreachableSince ??= Date.now();
      if (Date.now() - this.#unreachableSince > OUTAGE_MS) throw error;
      return { ...seen, reason: `${error.message.split("\n")[0] ?? ""}; still trying` };
    }
  }

  #engineNow(): Promise<JobEngine> {
    this.#engine ??= this.#deps.engineFor(this.#record);
    return this.#engine;
  }

  #unsubmitted(): JobStatus {
    this.#record = this.#deps.store.read(this.id);
    const current = statusOf(this.#record);
    if (isTerminal(current) || this.#record.nativeId !== "") return current;
    const launcher = this.#record.launchedBy;
    if (launcher !== undefined && isSameProcessAlive(launcher.pid, launcher.startTime)) return current;
    const interrupted: JobStatus = {
      state: "failed",
      raw: "not-started",
      exitCode: undefined,
      reason:
        launcher === undefined
          ? "launch interrupted: the job was recorded but never submitted"
          : `launch interrupted: the launching process (pid ${launcher.pid}) ended before the job was submitted`,
    };
    this.#record = this.#deps.store.update(this.id, { ...interrupted, endedAt: new Date().toISOString() });
    return interrupted;
  }

  // Terminal: written once. Otherwise a change of state is written so `slipway list` shows it without asking.
  // A terminal record written meanwhile by another process wins over anything this one saw.
  #remember(status: JobStatus): void {
    const record = this.#record;
    const terminal = isTerminal(status);
    const changed =
      status.state !== "unknown" && (status.state !== record.state || status.raw !== record.raw);
    if (!terminal && !changed) return;
    const latest = this.#deps.store.read(this.id);
    if (isTerminal(statusOf(latest))) {
      this.#record = latest;
      return;
    }
    const patch = terminal
      ? { ...status, endedAt: new Date().toISOString() }
      : { state: status.state, raw: status.raw, reason: status.reason };
    this.#record = { ...latest, ...patch };
    this.#deps.store.write(this.#record);
  }

  /** Whether a cancel was asked for (by this or any other process). */
  get cancelRequested(): boolean {
    return existsSync(this.#files.cancelRequested);
  }
}

const UNSUBMITTED_POLL = { firstMs: 100, maxMs: 1000, factor: 2 };

/**
 * A record's last known status.
 *
 * @example
 * ```ts
 * statusOf(store.read(id)); // { state: "succeeded", raw: "exited(0)", exitCode: 0, reason: undefined }
 * ```
 */
export function statusOf(record: JobRecord): JobStatus {
  return { state: record.state, raw: record.raw, exitCode: record.exitCode, reason: record.reason };
}
