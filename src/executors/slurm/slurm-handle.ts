import { join, posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SlipwayError } from "../../errors.ts";
import { shq } from "../../shell-quote.ts";
import type { JobRecord } from "../../store/job-record.ts";
import type { JobStore } from "../../store/job-store.ts";
import { tailFiles } from "../tail-file.ts";
import type { JobHandle, JobStatus, LogOptions } from "../types.ts";
import { TERMINAL_STATES } from "../types.ts";
import type { SlurmJobRef } from "./queue-status.ts";
import { followRemoteFiles, readRemoteFiles } from "./remote-tail.ts";
import { JOB_FILES } from "./script.ts";
import { statusBatcher } from "./status-batcher.ts";
import type { SlurmTransport } from "./transport.ts";

/**
 * A Slurm job, from the launching process or any later one: status through the cluster's shared batched query,
 * logs tailed over the same connection (per array task), cancel with `scancel`.
 *
 * @example
 * ```ts
 * const handle = new SlurmJobHandle("sft-k3j9x2", ref, transport, store);
 * for await (const line of handle.logs({ follow: true })) console.log(line);
 * ```
 */
export class SlurmJobHandle implements JobHandle {
  readonly executor = "slurm" as const;
  readonly id: string;
  readonly nativeId: string;
  readonly #ref: SlurmJobRef;
  readonly #transport: SlurmTransport;
  readonly #store: JobStore;
  readonly #localLogs: string | undefined;
  #record: JobRecord | undefined;

  /** `localLogs`: the local directory holding the logs once `cleanup` removed the job's directory on the cluster. */
  constructor(id: string, ref: SlurmJobRef, transport: SlurmTransport, store: JobStore, localLogs?: string) {
    this.id = id;
    this.nativeId = ref.nativeId;
    this.#ref = ref;
    this.#transport = transport;
    this.#store = store;
    this.#localLogs = localLogs;
  }

  async status(): Promise<JobStatus> {
    // The record is read once: polling hundreds of jobs must not read hundreds of files each time.
    const record = (this.#record ??= this.#store.read(this.id));
    if (TERMINAL_STATES.has(record.state)) {
      return { state: record.state, raw: record.raw, exitCode: record.exitCode, reason: record.reason };
    }
    const status = await statusBatcher(this.#transport).status(this.#ref);
    if (TERMINAL_STATES.has(status.state)) {
      this.#record = this.#store.update(this.id, {
        state: status.state,
        raw: status.raw,
        exitCode: status.exitCode,
        reason: status.reason,
        endedAt: new Date().toISOString(),
      });
    } else if (status.state !== "unknown" && (status.state !== record.state || status.raw !== record.raw)) {
      this.#record = this.#store.update(this.id, {
        state: status.state,
        raw: status.raw,
        reason: status.reason,
      });
    }
    return status;
  }

  async *logs(options: LogOptions = {}): AsyncGenerator<string> {
    const paths = this.#logPaths(options);
    if (this.#localLogs !== undefined) {
      const local = this.#localLogs;
      yield* tailFiles(
        paths.map((path) => ({ path: join(local, posix.basename(path)) })),
        { follow: false, isDone: () => Promise.resolve(true) },
      );
      return;
    }
    if (options.follow !== true) {
      yield* readRemoteFiles(this.#transport, paths);
      return;
    }
    const isDone = async (): Promise<boolean> => {
      const { state } = await this.status();
      return TERMINAL_STATES.has(state);
    };
    yield* followRemoteFiles(this.#transport, paths, isDone, options.signal);
  }

  async cancel(): Promise<JobStatus> {
    const before = await this.status();
    if (TERMINAL_STATES.has(before.state)) return before;
    // The script's TERM trap deletes the secrets file too; this covers a job killed before its trap could run.
    const result = await this.#transport.run(
      `scancel ${shq(this.nativeId)}; code=$?; rm -f ${shq(`${this.#ref.jobDir}/${JOB_FILES.secrets}`)}; exit $code`,
    );
    if (result.exitCode !== 0 && !/already completing or completed|Invalid job id/i.test(result.stderr)) {
      throw new SlipwayError(
        "ENGINE_ERROR",
        `scancel ${this.nativeId} failed on ${this.#transport.label} (exit ${result.exitCode}): ${result.stderr.trim()}`,
      );
    }
    let delay = 200;
    for (let waited = 0; waited < 60_000; waited += delay) {
      const status = await this.status();
      if (TERMINAL_STATES.has(status.state)) return status;
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
    return { ...(await this.status()), reason: "scancel sent; the job has not ended yet" };
  }

  async wait(options: { readonly signal?: AbortSignal } = {}): Promise<JobStatus> {
    // Polls back off from 0.25 s to 10 s: each poll is an RPC to slurmctld (batched with every other job's).
    let delay = 250;
    for (;;) {
      const status = await this.status();
      if (TERMINAL_STATES.has(status.state)) return status;
      await sleep(delay, undefined, { signal: options.signal });
      delay = Math.min(delay * 1.5, 10_000);
    }
  }

  #logPaths(options: LogOptions): string[] {
    const indices = this.#ref.arrayIndices;
    let suffix = "";
    if (indices !== undefined) {
      const index = options.index ?? indices[0];
      if (index === undefined || !indices.includes(index)) {
        throw new SlipwayError(
          "RECIPE_INVALID",
          `job ${this.id} has no array task ${String(options.index)} (its tasks: ${indices.join(",")})`,
        );
      }
      suffix = `-${index}`;
    }
    const streams =
      options.stream === "stdout"
        ? ["stdout"]
        : options.stream === "stderr"
          ? ["stderr"]
          : ["stdout", "stderr"];
    return streams.map((stream) => `${this.#ref.jobDir}/${stream}${suffix}.log`);
  }
}
