import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../config/load-config.ts";
import { resolveProfile } from "../../config/resolve-profile.ts";
import type { PendingProfile } from "../../config/types.ts";
import type { TrackingEnv } from "../../env/tracking-env.ts";
import type { Job } from "../../job/job.ts";
import type { JobRecord } from "../../store/job-record.ts";
import type { ExecutorContext } from "../context.ts";
import type { Capabilities, CleanupResult, Executor, JobHandle } from "../types.ts";
import { TERMINAL_STATES } from "../types.ts";
import { planRay, type RayPlan } from "./plan.ts";
import { RayClient } from "./ray-client.ts";
import { RayJobHandle } from "./ray-handle.ts";
import { renderRay } from "./render.ts";
import { raySettings } from "./settings.ts";
import { submitRay } from "./submit-ray.ts";

/** What the ray executor cannot do, and why. */
export const RAY_CAPABILITIES: Capabilities = {
  unsupported: {
    "multi-node":
      "a Ray job's entrypoint runs on one node and spreads work with Ray itself; ask Ray for resources instead",
    torchrun: 'launcher = "torchrun" does not apply to Ray; use Ray Train from the entrypoint',
    "container-image": "images are chosen by the Ray cluster, not per job here",
    array: "job arrays are a Slurm feature; launch one job per index instead",
    dependencies: "waiting for other jobs is a Slurm feature here; chain the launches in your script",
    retries: "requeue on failure is a Slurm feature here; relaunch the job instead",
  },
};

/**
 * The ray executor: jobs through the Ray Jobs REST API, the W&B key in a per-job package instead of `env_vars`.
 *
 * @example
 * ```ts
 * const executor = createRayExecutor(profile, tracking, context);
 * const handle = await executor.submit(executor.plan(job));
 * ```
 */
export function createRayExecutor(
  profile: PendingProfile<"ray">,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Executor<RayPlan> {
  const settings = raySettings(profile);
  const client = new RayClient({ address: settings.address, token: settings.token });
  return {
    kind: "ray",
    profile,
    capabilities: RAY_CAPABILITIES,
    tracking,
    notices: [],
    plan: (job: Job) => planRay(job, profile, settings),
    render: renderRay,
    async submit(plan: RayPlan): Promise<JobHandle> {
      await submitRay(plan, client);
      context.store.update(plan.jobId, {
        nativeId: plan.jobId,
        state: "pending",
        raw: "PENDING",
        startedAt: new Date().toISOString(),
        detail: { address: plan.address, usesToken: plan.token !== undefined },
      });
      return new RayJobHandle(plan.jobId, client, context.store);
    },
  };
}

/**
 * A handle for a ray job recorded earlier, from any process. A token, if the profile has one, is read again from
 * the profile (the job store never holds it).
 *
 * @example
 * ```ts
 * const handle = attachRay(store.read("sft-k3j9x2"), { store, env: process.env, cwd: process.cwd() });
 * ```
 */
export function attachRay(
  record: JobRecord,
  context: Pick<ExecutorContext, "store"> & Partial<Pick<ExecutorContext, "env" | "cwd">>,
): JobHandle {
  const { address, usesToken } = record.detail;
  let token;
  if (usesToken === true && record.configFile !== undefined) {
    const env = context.env ?? process.env;
    const config = loadConfig({ cwd: context.cwd ?? process.cwd(), env, configPath: record.configFile });
    const profile = resolveProfile(config, record.profile, env);
    if (profile.executor === "ray") token = raySettings(profile).token;
  }
  const client = new RayClient({ address: typeof address === "string" ? address : "", token });
  return new RayJobHandle(record.id, client, context.store);
}

/**
 * Deletes a finished ray job from the cluster after saving its log in the job directory, so `slipway logs` still
 * works.
 *
 * @example
 * ```ts
 * await cleanupRay(store.read(id), { store }); // { cleaned: true, message: "deleted from Ray (log kept)" }
 * ```
 */
export async function cleanupRay(
  record: JobRecord,
  context: Pick<ExecutorContext, "store">,
): Promise<CleanupResult> {
  const handle = attachRay(record, context);
  const status = await handle.status();
  if (status.raw === "deleted") return { cleaned: false, message: "already deleted from Ray" };
  if (!TERMINAL_STATES.has(status.state))
    return { cleaned: false, message: `still ${status.state}; cancel it first` };
  const { address } = record.detail;
  const client = new RayClient({ address: typeof address === "string" ? address : "" });
  const lines: string[] = [];
  for await (const line of handle.logs()) lines.push(`${line}\n`);
  writeFileSync(join(context.store.jobDir(record.id), "stdout.log"), lines.join(""), { mode: 0o600 });
  await client.delete(record.id);
  return { cleaned: true, message: "deleted from Ray (log kept)" };
}
