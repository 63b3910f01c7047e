import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { JobStore } from "../../store/job-store.ts";
import { tailFiles } from "../tail-file.ts";
import type { JobHandle, JobStatus, LogOptions } from "../types.ts";
import { TERMINAL_STATES } from "../types.ts";
import type { RayClient } from "./ray-client.ts";
import { followRayLogs } from "./ray-log-tail.ts";
import { rayState } from "./states.ts";

/**
 * A ray job, from the launching process or any later one: status from `GET /api/jobs/{id}` (Ray's status and
 * message kept), logs (Ray merges stdout and stderr; they are all `stdout` here), cancel via `/stop`.
 *
 * @example
 * ```ts
 * const handle = new RayJobHandle("sft-k3j9x2", client, store);
 * await handle.cancel();
 * ```
 */
export class RayJobHandle implements JobHandle {
  readonly executor = "ray" as const;
  readonly id: string;
  readonly nativeId: string;
  readonly #client: RayClient;
  readonly #store: JobStore;

  constructor(id: string, client: RayClient, store: JobStore) {
    this.id = id;
    this.nativeId = id;
    this.#client = client;
    this.#store = store;
  }

  async status(): Promise<JobStatus> {
    const record = this.#store.read(this.id);
    if (TERMINAL_STATES.has(record.state)) {
      return { state: record.state, raw: record.raw, exitCode: record.exitCode, reason: record.reason };
    }
    const details = await this.#client.getJob(this.id);
    if (details === undefined) {
      return {
        state: "unknown",
        raw: "deleted",
        exitCode: undefined,
        reason: "Ray no longer knows this job",
      };
    }
    const state = rayState(details.status);
    const status: JobStatus = {
      state,
      raw: details.status,
      exitCode: details.driver_exit_code ?? undefined,
      reason: details.message ?? undefined,
    };
    if (TERMINAL_STATES.has(state)) {
      this.#store.update(this.id, {
        state,
        raw: status.raw,
        exitCode: status.exitCode,
        reason: status.reason,
        endedAt: new Date(details.end_time ?? Date.now()).toISOString(),
      });
    }
    return status;
  }

  async *logs(options: LogOptions = {}): AsyncGenerator<string> {
    if (options.stream === "stderr") return;
    const done = async (): Promise<boolean> => TERMINAL_STATES.has((await this.status()).state);
    if ((await this.#client.getJob(this.id)) === undefined) {
      // Deleted by `slipway cleanup`, which kept the log in the job directory.
      yield* tailFiles([{ path: join(this.#store.jobDir(this.id), "stdout.log") }], {
        follow: false,
        isDone: () => Promise.resolve(true),
      });
      return;
    }
    if (options.follow === true) {
      yield* followRayLogs(this.#client, this.id, done, options.signal);
      return;
    }
    const text = await this.#client.logs(this.id);
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    yield* lines;
  }

  async cancel(): Promise<JobStatus> {
    const before = await this.status();
    if (TERMINAL_STATES.has(before.state) || before.raw === "deleted") return before;
    await this.#client.stop(this.id);
    // Ray delivers the stop through the job's supervisor actor; a job still waiting for resources has none running,
    // so it stays PENDING until the resources come or Ray's start timeout fails it. Do not wait for that forever.
    const deadline = Date.now() + (before.state === "pending" ? 5_000 : 60_000);
    let delay = 100;
    for (;;) {
      const status = await this.status();
      if (TERMINAL_STATES.has(status.state) || status.raw === "deleted") return status;
      if (Date.now() > deadline) {
        return {
          ...status,
          reason:
            status.state === "pending"
              ? "stop requested; Ray stops a job waiting for resources only once it starts or its start times out " +
                "(RAY_JOB_START_TIMEOUT_SECONDS on the cluster, 15 min by default)"
              : "stop requested; the job has not ended yet",
        };
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  }

  async wait(options: { readonly signal?: AbortSignal } = {}): Promise<JobStatus> {
    let delay = 100;
    for (;;) {
      const status = await this.status();
      if (TERMINAL_STATES.has(status.state) || status.raw === "deleted") return status;
      await sleep(delay, undefined, { signal: options.signal });
      delay = Math.min(delay * 2, 1000);
    }
  }
}
