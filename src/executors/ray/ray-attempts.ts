import * as z from "zod";
import type { TimeLimit } from "../../job/time-limit.ts";
import { TIME_LEFT_VARIABLE } from "./plan.ts";
import type { RayClient, RayJobDetails } from "./ray-client.ts";

/**
 * The submission id of a job's attempt `n` (from 1): the job id, then `<id>-r1`, `<id>-r2`, … Derived, never
 * stored: any process finds the attempts of a job, and two processes that submit the same attempt make one job.
 *
 * @example
 * ```ts
 * attemptId("sft-k3j9x2", 1); // "sft-k3j9x2"
 * attemptId("sft-k3j9x2", 3); // "sft-k3j9x2-r2"
 * ```
 */
export function attemptId(jobId: string, attempt: number): string {
  return attempt <= 1 ? jobId : `${jobId}-r${attempt - 1}`;
}

/**
 * The line that separates the logs of two attempts.
 *
 * @example
 * ```ts
 * attemptSeparator("sft-k3j9x2", 2, 3); // "slipway: attempt 2 of 3 (Ray job sft-k3j9x2-r1)"
 * ```
 */
export function attemptSeparator(jobId: string, attempt: number, attempts: number): string {
  return `slipway: attempt ${attempt} of ${attempts} (Ray job ${attemptId(jobId, attempt)})`;
}

// What an attempt's details must hold to be submitted again; Ray's JobDetails has it all.
const resubmittable = z.looseObject({
  entrypoint: z.string(),
  runtime_env: z.record(z.string(), z.unknown()).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  entrypoint_num_cpus: z.number().nullish(),
  entrypoint_num_gpus: z.number().nullish(),
  entrypoint_memory: z.number().nullish(),
  entrypoint_resources: z.record(z.string(), z.number()).nullish(),
});

/**
 * The body that submits the attempt after a failed one, from the failed one's details as Ray keeps them: the same
 * entrypoint, runtime env (the uploaded packages included), metadata and entrypoint resources, under the next
 * submission id; with a time limit, the seconds left in {@link TIME_LEFT_VARIABLE}. `undefined` when the details
 * lack what a submit needs.
 *
 * @example
 * ```ts
 * nextAttemptBody(failed, "sft-k3j9x2-r1", 240)?.runtime_env; // { …, env_vars: { …, slipway_time_left: "240" } }
 * ```
 */
export function nextAttemptBody(
  previous: RayJobDetails,
  nextId: string,
  timeLeft: number | undefined,
): Record<string, unknown> | undefined {
  const parsed = resubmittable.safeParse(previous);
  if (!parsed.success) return undefined;
  const details = parsed.data;
  const runtimeEnv = details.runtime_env ?? {};
  const envVars = z.record(z.string(), z.string()).safeParse(runtimeEnv["env_vars"] ?? {});
  const optional = <T>(key: string, value: T | null | undefined) =>
    value === null || value === undefined ? {} : { [key]: value };
  return {
    entrypoint: details.entrypoint,
    submission_id: nextId,
    runtime_env: {
      ...runtimeEnv,
      env_vars: {
        ...(envVars.success ? envVars.data : {}),
        ...(timeLeft === undefined ? {} : { [TIME_LEFT_VARIABLE]: String(timeLeft) }),
      },
    },
    metadata: { ...details.metadata, "slipway.attempt": nextId },
    ...optional("entrypoint_num_cpus", details.entrypoint_num_cpus),
    ...optional("entrypoint_num_gpus", details.entrypoint_num_gpus),
    ...optional("entrypoint_memory", details.entrypoint_memory),
    ...optional("entrypoint_resources", details.entrypoint_resources),
  };
}

/**
 * Whole seconds of a time limit left after the attempts that ran: the limit is for the job, every attempt's run time
 * (Ray's start to end) counted.
 *
 * @example
 * ```ts
 * timeLeft({ text: "00:05:00", seconds: 300 }, [{ status: "FAILED", start_time: 0, end_time: 60_000 }]); // 240
 * ```
 */
export function timeLeft(
  limit: TimeLimit,
  runs: readonly Pick<RayJobDetails, "start_time" | "end_time">[],
): number {
  const usedMs = runs.reduce((sum, run) => sum + Math.max(0, (run.end_time ?? 0) - (run.start_time ?? 0)), 0);
  return Math.floor(limit.seconds - usedMs / 1000);
}

/**
 * The attempts of one ray job as this process knows them: the latest one found, and the next submitted when the
 * latest failed. Ray has attempt n + 1 only once attempt n failed, so the latest is found by asking forward.
 *
 * @example
 * ```ts
 * const attempts = new RayAttempts("sft-k3j9x2", 3, () => client);
 * const details = await attempts.latest(); // attempts.current is then 1, 2 or 3
 * ```
 */
export class RayAttempts {
  readonly #jobId: string;
  readonly #ray: () => RayClient;
  /** How many attempts the job may have (retries + 1). */
  readonly total: number;
  /** The latest attempt found (from 1). */
  current = 1;

  constructor(jobId: string, total: number, ray: () => RayClient) {
    this.#jobId = jobId;
    this.total = total;
    this.#ray = ray;
  }

  /** The submission id of the latest attempt found. */
  get id(): string {
    return attemptId(this.#jobId, this.current);
  }

  /** The details of the latest attempt; `undefined` when Ray does not know it. */
  async latest(): Promise<RayJobDetails | undefined> {
    let details = await this.#ray().getJob(this.id);
    while (details?.status === "FAILED" && this.current < this.total) {
      const next = await this.#ray().getJob(attemptId(this.#jobId, this.current + 1));
      if (next === undefined) break;
      this.current += 1;
      details = next;
    }
    return details;
  }

  /**
   * Submits the attempt after the latest (which failed, as `failed` says); false when the time limit leaves none or
   * the failed attempt cannot be submitted again. Another process submitting the same attempt meanwhile is fine: the
   * submission id is the same, so Ray keeps one job.
   */
  async submitNext(failed: RayJobDetails, limit: TimeLimit | undefined): Promise<boolean> {
    let left: number | undefined;
    if (limit !== undefined) {
      const earlier = [];
      for (let n = 1; n < this.current; n++) {
        const run = await this.#ray().getJob(attemptId(this.#jobId, n));
        if (run !== undefined) earlier.push(run);
      }
      left = timeLeft(limit, [...earlier, failed]);
      if (left <= 0) return false;
    }
    const nextId = attemptId(this.#jobId, this.current + 1);
    const body = nextAttemptBody(failed, nextId, left);
    if (body === undefined) return false;
    try {
      await this.#ray().submit(body);
    } catch (error) {
      const existing = await this.#ray()
        .getJob(nextId)
        .catch(() => undefined);
      if (existing === undefined) throw error;
    }
    this.current += 1;
    return true;
  }
}
