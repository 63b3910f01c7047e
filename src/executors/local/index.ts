import type { LocalProfile } from "../../config/types.ts";
import type { TrackingEnv } from "../../env/tracking-env.ts";
import type { Job } from "../../job/job.ts";
import type { JobRecord } from "../../store/job-record.ts";
import type { ExecutorContext } from "../context.ts";
import type { Capabilities, Executor, JobHandle, SubmitOptions } from "../types.ts";
import { LocalJobHandle } from "./local-handle.ts";
import { planLocal, type LocalPlan } from "./plan.ts";
import { renderLocal } from "./render.ts";
import { spawnLocal } from "./spawn-local.ts";

/** What the local executor cannot do, and why. */
export const LOCAL_CAPABILITIES: Capabilities = {
  unsupported: {
    "multi-node":
      "it runs on this machine only; use a slurm, kubernetes or ray profile for more than one node",
    torchrun: 'launcher = "torchrun" is not built for local jobs yet; put torchrun in the command itself',
    "container-image": "it runs processes on this machine, not containers; use a docker profile for an image",
    array: "job arrays are a Slurm feature; launch one job per index instead",
    dependencies: "waiting for other jobs is a Slurm feature here; chain the launches in your script",
    retries: "requeue on failure is a Slurm feature here; relaunch the job instead",
  },
};

/**
 * The local executor: runs the job as a process group on this machine, logs in its job directory.
 *
 * @example
 * ```ts
 * const executor = createLocalExecutor(profile, tracking, { env: process.env, cwd, homeDir, store });
 * const handle = await executor.submit(executor.plan(job));
 * ```
 */
export function createLocalExecutor(
  profile: LocalProfile,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Executor<LocalPlan> {
  return {
    kind: "local",
    profile,
    capabilities: LOCAL_CAPABILITIES,
    tracking,
    notices: [],
    plan: (job: Job) => planLocal(job, profile, context.store.jobDir(job.id)),
    render: renderLocal,
    async submit(plan: LocalPlan, options: SubmitOptions = {}): Promise<JobHandle> {
      const spawned = await spawnLocal(plan, context.env);
      if (options.detach === true) spawned.detach();
      context.store.update(plan.jobId, {
        nativeId: String(spawned.pid),
        state: "running",
        raw: "running",
        startedAt: new Date().toISOString(),
        detail: { pid: spawned.pid, startTime: spawned.startTime, graceSeconds: plan.graceSeconds },
      });
      const ref = {
        id: plan.jobId,
        jobDir: context.store.jobDir(plan.jobId),
        pid: spawned.pid,
        startTime: spawned.startTime,
        graceSeconds: plan.graceSeconds,
      };
      return new LocalJobHandle(ref, context.store, spawned.exited);
    },
  };
}

/**
 * A handle for a local job recorded earlier, from any process; needs no config.
 *
 * @example
 * ```ts
 * const handle = attachLocal(store.read("sft-k3j9x2"), store);
 * ```
 */
export function attachLocal(record: JobRecord, context: Pick<ExecutorContext, "store">): JobHandle {
  const { pid, startTime, graceSeconds } = record.detail;
  const ref = {
    id: record.id,
    jobDir: context.store.jobDir(record.id),
    pid: typeof pid === "number" ? pid : undefined,
    startTime: typeof startTime === "string" ? startTime : "",
    graceSeconds: typeof graceSeconds === "number" ? graceSeconds : 10,
  };
  return new LocalJobHandle(ref, context.store);
}
