import type { SlurmProfile } from "../../config/types.ts";
import type { TrackingEnv } from "../../env/tracking-env.ts";
import type { Job } from "../../job/job.ts";
import type { Executor, ExecutorContext, ExecutorModule, Submitted } from "../executor-module.ts";
import type { Capabilities, SubmitOptions } from "../types.ts";
import { checkSlurm } from "./check-slurm.ts";
import { transportFor } from "./connect.ts";
import { planSlurm, type SlurmPlan } from "./plan.ts";
import { renderSlurm } from "./render.ts";
import { slurmDetailSchema, type SlurmDetail } from "./slurm-detail.ts";
import { slurmEngine } from "./slurm-engine.ts";
import { submitSlurm } from "./submit-slurm.ts";

/** Slurm runs every feature slipway knows; containers need the pyxis plugin on the cluster. */
export const SLURM_CAPABILITIES: Capabilities = { unsupported: {} };

/**
 * The slurm executor: sbatch over one shared SSH connection per cluster (or on this machine with
 * `tunnel = "local"`), secrets in a 0600 file beside the script, status batched for every job of a cluster. The
 * record keeps the target and the job's directory on the cluster; SSH settings (keys, aliases, known hosts) are read
 * from the launching machine again when a later process reattaches.
 *
 * @example
 * ```ts
 * const executor = slurmModule.create(profile, tracking, context);
 * const submitted = await executor.submit(executor.plan(job));
 * console.log(submitted.nativeId); // "4242"
 * ```
 */
export const slurmModule: ExecutorModule<"slurm", SlurmPlan, SlurmDetail> = {
  kind: "slurm",
  capabilities: SLURM_CAPABILITIES,
  get detail() {
    return slurmDetailSchema();
  },
  create: createSlurmExecutor,
  engine: (job, context) => slurmEngine(job, transportFor(job.detail.target, context.connections, context)),
  check: checkSlurm,
};

function createSlurmExecutor(
  profile: SlurmProfile,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Executor<SlurmPlan, SlurmDetail> {
  return {
    kind: "slurm",
    profile,
    capabilities: SLURM_CAPABILITIES,
    tracking,
    notices: [],
    plan: (job: Job) => planSlurm(job, profile),
    render: renderSlurm,
    async submit(plan: SlurmPlan, options: SubmitOptions = {}): Promise<Submitted<SlurmDetail>> {
      // From the context's connections: every launch of this process to the cluster shares one connection.
      const runner = transportFor(plan.target, context.connections, context);
      const submitted = await submitSlurm(plan, runner, options.code);
      const detail: SlurmDetail = {
        target: plan.target,
        label: plan.label,
        jobDir: submitted.jobDir,
        ...(plan.arrayIndices === undefined ? {} : { array: plan.arrayIndices.join(",") }),
        ...(submitted.cluster === undefined ? {} : { cluster: submitted.cluster }),
      };
      return {
        nativeId: submitted.nativeId,
        status: { state: "pending", raw: "PENDING", exitCode: undefined, reason: undefined },
        detail,
        engine: slurmEngine(
          { id: plan.jobId, nativeId: submitted.nativeId, detail, files: context.store.files(plan.jobId) },
          runner,
        ),
      };
    },
  };
}
