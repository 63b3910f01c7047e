import type { RayProfile } from "../../config/types.ts";
import { ConfigError } from "../../errors.ts";
import type { TrackingEnv } from "../../env/tracking-env.ts";
import type { Job } from "../../job/job.ts";
import type {
  Executor,
  ExecutorContext,
  ExecutorModule,
  RecordedJob,
  Submitted,
} from "../executor-module.ts";
import type { Capabilities, SubmitOptions } from "../types.ts";
import { planRay, type RayPlan } from "./plan.ts";
import { RayClient } from "./ray-client.ts";
import { entrypointDemand } from "./ray-demand.ts";
import { rayDetailSchema, type RayDetail } from "./ray-detail.ts";
import { rayEngine } from "./ray-engine.ts";
import { renderRay } from "./render.ts";
import { submitRay } from "./submit-ray.ts";

/** What the ray executor cannot do, and why. */
export const RAY_CAPABILITIES: Capabilities = {
  unsupported: {
    "sweep-throttle":
      "--max-parallel needs a scheduler that holds jobs back; here every job of a sweep starts at once and nothing stays behind to start the next one (on Slurm a sweep is an array job, throttled by %K)",
    "multi-node":
      "a Ray job's entrypoint runs on one node and spreads work with Ray itself; ask Ray for resources instead",
    torchrun: 'launcher = "torchrun" does not apply to Ray; use Ray Train from the entrypoint',
    "container-image": "images are chosen by the Ray cluster, not per job here",
    array: "job arrays are a Slurm feature; launch one job per index instead",
    dependencies: "waiting for other jobs is a Slurm feature here; chain the launches in your script",
  },
};

/**
 * The ray executor: jobs through the Ray Jobs REST API, the W&B key in a per-job package instead of `env_vars`. The
 * submission id is the slipway id, so a retried submit finds the job instead of making a second one. Records keep
 * the address and whether a token is used, never the token: a later process reads it again from the job's profile.
 *
 * @example
 * ```ts
 * const executor = rayModule.create(profile, tracking, context);
 * const submitted = await executor.submit(executor.plan(job));
 * console.log(submitted.nativeId); // the slipway id, e.g. "sft-k3j9x2"
 * ```
 */
export const rayModule: ExecutorModule<"ray", RayPlan, RayDetail> = {
  kind: "ray",
  capabilities: RAY_CAPABILITIES,
  detail: rayDetailSchema,
  create: createRayExecutor,
  engine: (job) =>
    rayEngine(job.nativeId, job.files, () => clientOfRecord(job), job.detail.demand, {
      retries: job.detail.retries,
      timeLimit: job.detail.timeLimit,
    }),
  async check(profile) {
    const { address, token } = profile.settings;
    try {
      const version = await new RayClient({ address, token }).version();
      return { ok: true, text: `Ray ${version} Jobs API at ${address}` };
    } catch (error) {
      return { ok: false, text: error instanceof Error ? error.message : String(error) };
    }
  },
};

function createRayExecutor(
  profile: RayProfile,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Executor<RayPlan, RayDetail> {
  return {
    kind: "ray",
    profile,
    capabilities: RAY_CAPABILITIES,
    tracking,
    notices: [],
    plan: (job: Job) => planRay(job, profile),
    render: renderRay,
    async submit(plan: RayPlan, options: SubmitOptions = {}): Promise<Submitted<RayDetail>> {
      const client = new RayClient({ address: plan.address, token: plan.token });
      await submitRay(plan, client, options.code);
      const demand = entrypointDemand(plan.body);
      return {
        nativeId: plan.jobId,
        status: { state: "pending", raw: "PENDING", exitCode: undefined, reason: undefined },
        detail: {
          address: plan.address,
          usesToken: plan.token !== undefined,
          demand,
          retries: plan.retries,
          ...(plan.timeLimit === undefined ? {} : { timeLimit: plan.timeLimit.text }),
        },
        // This process has the token already: no need to read the profile again.
        engine: rayEngine(plan.jobId, context.store.files(plan.jobId), () => client, demand, {
          retries: plan.retries,
          timeLimit: plan.timeLimit?.text,
        }),
      };
    },
  };
}

// The token is a secret the record does not hold: read it from the job's own profile, and only when it is used.
function clientOfRecord(job: RecordedJob<RayDetail>): RayClient {
  const { address, usesToken } = job.detail;
  if (!usesToken) return new RayClient({ address });
  const profile = job.profile();
  if (profile.executor !== "ray") {
    throw new ConfigError(
      "CONFIG_SCHEMA",
      `${profile.file}: profile "${profile.name}" of ray job ${job.id} is now a ${profile.executor} profile; the job's Ray token cannot be read`,
      { file: profile.file, hint: `restore the ray profile "${profile.name}" to reach the job` },
    );
  }
  return new RayClient({ address, token: profile.settings.token });
}
