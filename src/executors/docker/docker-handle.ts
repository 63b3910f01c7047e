import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JobStore } from "../../store/job-store.ts";
import { tailFiles } from "../tail-file.ts";
import type { JobHandle, JobStatus, LogOptions } from "../types.ts";
import { TERMINAL_STATES } from "../types.ts";
import { dockerClient, statusCodeOf } from "./docker-client.ts";
import { LogFrames } from "./log-frames.ts";
import { dockerState } from "./states.ts";

/** What a handle needs to find a job's container again. */
export interface DockerJobRef {
  readonly id: string;
  readonly jobDir: string;
  readonly host: string;
  readonly containerId: string;
  readonly graceSeconds: number;
}

const CANCEL_MARKER = "cancel-requested";

/**
 * A docker job, from the launching process or any later one: status from the daemon (`inspect`), logs
 * demultiplexed into lines, cancel as `docker stop` (SIGTERM, then SIGKILL after the grace period).
 *
 * @example
 * ```ts
 * const handle = new DockerJobHandle(ref, store);
 * console.log(await handle.status()); // { state: "failed", raw: "exited", exitCode: 3, … }
 * ```
 */
export class DockerJobHandle implements JobHandle {
  readonly executor = "docker" as const;
  readonly id: string;
  readonly nativeId: string;
  readonly #ref: DockerJobRef;
  readonly #store: JobStore;

  constructor(ref: DockerJobRef, store: JobStore) {
    this.id = ref.id;
    this.nativeId = ref.containerId.slice(0, 12);
    this.#ref = ref;
    this.#store = store;
  }

  async status(): Promise<JobStatus> {
    const record = this.#store.read(this.id);
    if (TERMINAL_STATES.has(record.state)) {
      return { state: record.state, raw: record.raw, exitCode: record.exitCode, reason: record.reason };
    }
    const { docker } = await dockerClient(this.#ref.host);
    let info;
    try {
      info = await docker.getContainer(this.#ref.containerId).inspect();
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
      return { state: "unknown", raw: "removed", exitCode: undefined, reason: "the container was removed" };
    }
    const state = info.State;
    const mapped = dockerState({
      status: state.Status,
      exitCode: state.ExitCode,
      oomKilled: state.OOMKilled,
      error: state.Error,
      cancelRequested: existsSync(join(this.#ref.jobDir, CANCEL_MARKER)),
    });
    const ended = TERMINAL_STATES.has(mapped.state);
    const status: JobStatus = {
      state: mapped.state,
      raw: state.Status,
      exitCode: ended ? state.ExitCode : undefined,
      reason: mapped.reason,
    };
    if (ended) this.#finish(status, state.FinishedAt);
    return status;
  }

  async *logs(options: LogOptions = {}): AsyncGenerator<string> {
    const wanted = options.stream ?? "all";
    const { docker } = await dockerClient(this.#ref.host);
    const container = docker.getContainer(this.#ref.containerId);
    const frames = new LogFrames();
    // NodeJS.ReadableStream is what @types/dockerode says; at runtime it is the HTTP response (a Readable).
    let source: Buffer | NodeJS.ReadableStream;
    try {
      source =
        options.follow === true
          ? await container.logs({ follow: true, stdout: true, stderr: true })
          : await container.logs({ follow: false, stdout: true, stderr: true });
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
      // Removed by `slipway cleanup`, which saved the logs in the job directory first.
      const files = ["stdout", "stderr"].filter((s) => wanted === "all" || wanted === s);
      yield* tailFiles(
        files.map((s) => ({ path: join(this.#ref.jobDir, `${s}.log`) })),
        { follow: false, isDone: () => Promise.resolve(true) },
      );
      return;
    }
    const pick = (lines: { stream: string; text: string }[]): string[] =>
      lines.filter((line) => wanted === "all" || line.stream === wanted).map((line) => line.text);
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
      if (options.signal?.aborted !== true) throw error;
    } finally {
      options.signal?.removeEventListener("abort", abort);
      stream.destroy();
    }
  }

  async cancel(): Promise<JobStatus> {
    const before = await this.status();
    if (TERMINAL_STATES.has(before.state) || before.raw === "removed") return before;
    writeFileSync(join(this.#ref.jobDir, CANCEL_MARKER), `${new Date().toISOString()}\n`, { mode: 0o600 });
    const { docker } = await dockerClient(this.#ref.host);
    try {
      // Docker sends SIGTERM and, after `t` seconds, SIGKILL; with `init` the job stops at once.
      await docker.getContainer(this.#ref.containerId).stop({ t: this.#ref.graceSeconds });
    } catch (error) {
      // 304: already stopped; 404: already removed. Either way there is nothing left to stop.
      if (statusCodeOf(error) !== 304 && statusCodeOf(error) !== 404) throw error;
    }
    return this.wait();
  }

  async wait(options: { readonly signal?: AbortSignal } = {}): Promise<JobStatus> {
    const { docker } = await dockerClient(this.#ref.host);
    const container = docker.getContainer(this.#ref.containerId);
    let exitCode: number | undefined;
    try {
      const waitOptions = options.signal === undefined ? {} : { abortSignal: options.signal };
      const waited = (await container.wait(waitOptions)) as { StatusCode?: number };
      exitCode = waited.StatusCode;
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
    }
    const status = await this.status();
    if (TERMINAL_STATES.has(status.state) || exitCode === undefined) return status;
    // Removed (or being removed) as soon as it ended (`rm = true`): the exit code from `wait` is all there is.
    const cancelled = existsSync(join(this.#ref.jobDir, CANCEL_MARKER));
    const final: JobStatus = cancelled
      ? { state: "cancelled", raw: "removed", exitCode, reason: "cancelled" }
      : exitCode === 0
        ? { state: "succeeded", raw: "removed", exitCode, reason: undefined }
        : { state: "failed", raw: "removed", exitCode, reason: `exited with code ${exitCode}` };
    this.#finish(final, new Date().toISOString());
    return final;
  }

  #finish(status: JobStatus, endedAt: string): void {
    this.#store.update(this.id, {
      state: status.state,
      raw: status.raw,
      exitCode: status.exitCode,
      reason: status.reason,
      endedAt,
    });
  }
}
