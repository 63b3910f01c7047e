import { accessSync, constants } from "node:fs";
import type { LocalProfile } from "../../config/types.ts";
import type { TrackingEnv } from "../../env/tracking-env.ts";
import type { Job } from "../../job/job.ts";
import type { ExecutorContext, ExecutorModule, Executor, Submitted } from "../executor-module.ts";
import type { Capabilities, SubmitOptions } from "../types.ts";
import { localDetailSchema, type LocalDetail } from "./local-detail.ts";
import { localEngine } from "./local-engine.ts";
import { planLocal, type LocalPlan } from "./plan.ts";
import { renderLocal } from "./render.ts";
import { jobEnvironment, spawnLocal } from "./spawn-local.ts";
import { checkGpus } from "./check-gpus.ts";
import { packedFor } from "../../package/code-package.ts";
import { writeTree } from "../../package/write-tree.ts";

/** What the local executor cannot do, and why. */
export const LOCAL_CAPABILITIES: Capabilities = {
  unsupported: {
    "sweep-throttle":
      "--max-parallel needs a scheduler that holds jobs back; here every job of a sweep starts at once and nothing stays behind to start the next one (on Slurm a sweep is an array job, throttled by %K)",
    "multi-node":
      "it runs on this machine only; use a slurm, kubernetes or ray profile for more than one node",
    "container-image": "it runs processes on this machine, not containers; use a docker profile for an image",
    array: "job arrays are a Slurm feature; launch one job per index instead",
    dependencies: "waiting for other jobs is a Slurm feature here; chain the launches in your script",
  },
};

/**
 * The local executor: runs the job as a process group on this machine, logs in its job directory.
 *
 * @example
 * ```ts
 * const executor = localModule.create(profile, tracking, context);
 * const submitted = await executor.submit(executor.plan(job));
 * ```
 */
export const localModule: ExecutorModule<"local", LocalPlan, LocalDetail> = {
  kind: "local",
  capabilities: LOCAL_CAPABILITIES,
  get detail() {
    return localDetailSchema();
  },
  create: createLocalExecutor,
  engine: (job) => localEngine(job.files, job.detail),
  check(_profile, context) {
    try {
      accessSync("/bin/sh", constants.X_OK);
      return Promise.resolve({ ok: true, text: `this machine; jobs in ${context.store.jobsDir}` });
    } catch {
      return Promise.resolve({ ok: false, text: "/bin/sh is missing" });
    }
  },
};

function createLocalExecutor(
  profile: LocalProfile,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Executor<LocalPlan, LocalDetail> {
  return {
    kind: "local",
    profile,
    capabilities: LOCAL_CAPABILITIES,
    tracking,
    notices: [],
    plan: (job: Job) => planLocal(job, profile, context.store.files(job.id)),
    render: renderLocal,
    async submit(plan: LocalPlan, options: SubmitOptions = {}): Promise<Submitted<LocalDetail>> {
      await checkGpus(plan.gpus, jobEnvironment(plan, context.env), context.cwd);
      if (plan.code !== undefined)
        writeTree(packedFor(plan.code.summary, options.code).entries, plan.code.dir);
      const spawned = await spawnLocal(plan, context.env);
      if (options.detach === true) spawned.detach();
      const detail: LocalDetail = {
        pid: spawned.pid,
        startTime: spawned.startTime,
        graceSeconds: plan.graceSeconds,
        retries: plan.retries,
        ...(plan.timeLimit === undefined ? {} : { timeLimit: plan.timeLimit.text }),
      };
      return {
        nativeId: String(spawned.pid),
        status: { state: "running", raw: "running", exitCode: undefined, reason: undefined },
        detail,
        engine: localEngine(context.store.files(plan.jobId), detail, spawned.exited),
      };
    },
  };
}
