import { homedir } from "node:os";
import type { PendingProfile } from "../../config/types.ts";
import type { TrackingEnv } from "../../env/tracking-env.ts";
import type { Job } from "../../job/job.ts";
import type { JobRecord } from "../../store/job-record.ts";
import type { ExecutorContext } from "../context.ts";
import type { Capabilities, Executor, JobHandle, SubmitOptions } from "../types.ts";
import { arrayIndices } from "./array-spec.ts";
import { transportFor } from "./connect.ts";
import { planSlurm, type SlurmPlan } from "./plan.ts";
import { renderSlurm } from "./render.ts";
import { slurmSettings, slurmTarget, targetKeys } from "./settings.ts";
import { SlurmJobHandle } from "./slurm-handle.ts";
import { submitSlurm } from "./submit-slurm.ts";
import type { SlurmTransport } from "./transport.ts";

/** Slurm runs every feature slipway knows; containers need the pyxis plugin on the cluster. */
export const SLURM_CAPABILITIES: Capabilities = { unsupported: {} };

/**
 * The slurm executor: sbatch over one shared SSH connection per cluster (or on this machine with
 * `tunnel = "local"`), secrets in a 0600 file beside the script, batched status.
 *
 * @example
 * ```ts
 * const executor = createSlurmExecutor(profile, tracking, context);
 * const handle = await executor.submit(executor.plan(job));
 * ```
 */
export function createSlurmExecutor(
  profile: PendingProfile<"slurm">,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Executor<SlurmPlan> {
  const settings = slurmSettings(profile);
  return {
    kind: "slurm",
    profile,
    capabilities: SLURM_CAPABILITIES,
    tracking,
    notices: [],
    plan: (job: Job) => planSlurm(job, profile, settings),
    render: renderSlurm,
    async submit(plan: SlurmPlan, options: SubmitOptions = {}): Promise<JobHandle> {
      const transport = transportFor(plan.target, context);
      const submitted = await submitSlurm(plan, transport, { allowDirty: options.allowDirty ?? false });
      const record = context.store.update(plan.jobId, {
        nativeId: submitted.nativeId,
        state: "pending",
        raw: "PENDING",
        startedAt: new Date().toISOString(),
        detail: {
          target: plan.label,
          ...targetKeys(plan.target),
          jobDir: submitted.jobDir,
          ...(plan.arrayIndices === undefined ? {} : { array: plan.arrayIndices.join(",") }),
          ...(submitted.cluster === undefined ? {} : { cluster: submitted.cluster }),
        },
      });
      return attachSlurm(record, context);
    },
  };
}

/**
 * A handle for a slurm job recorded earlier, from any process: the record holds where the cluster is and where the
 * job's files are; SSH settings (keys, aliases, known hosts) are read from this machine again.
 *
 * @example
 * ```ts
 * const handle = attachSlurm(store.read("sft-k3j9x2"), { store });
 * console.log(await handle.status());
 * ```
 */
export function attachSlurm(
  record: JobRecord,
  context: Pick<ExecutorContext, "store"> & Partial<Pick<ExecutorContext, "env" | "homeDir">>,
): JobHandle {
  return slurmJobFiles(record, context).handle;
}

/**
 * A recorded slurm job's handle together with what `cleanup` needs: the transport to its cluster, its directory
 * there, and the names of its log files.
 *
 * @example
 * ```ts
 * const { transport, jobDir, logNames } = slurmJobFiles(store.read(id), { store });
 * ```
 */
export function slurmJobFiles(
  record: JobRecord,
  context: Pick<ExecutorContext, "store"> & Partial<Pick<ExecutorContext, "env" | "homeDir">>,
): { handle: JobHandle; transport: SlurmTransport; jobDir: string; logNames: string[] } {
  const d = record.detail;
  const text = (key: string): string | undefined => (typeof d[key] === "string" ? d[key] : undefined);
  const transport = transportFor(slurmTarget(d), {
    env: context.env ?? process.env,
    homeDir: context.homeDir ?? homedir(),
  });
  const array = text("array");
  const ref = {
    nativeId: record.nativeId,
    jobDir: text("jobDir") ?? "",
    arrayIndices: array === undefined ? undefined : arrayIndices(array),
  };
  // After `slipway cleanup` the logs live in the local job directory.
  const localLogs = d["cleaned"] === true ? context.store.jobDir(record.id) : undefined;
  const handle = new SlurmJobHandle(record.id, ref, transport, context.store, localLogs);
  const suffixes = ref.arrayIndices === undefined ? [""] : ref.arrayIndices.map((i) => `-${i}`);
  const logNames = suffixes.flatMap((suffix) => [`stdout${suffix}.log`, `stderr${suffix}.log`]);
  return { handle, transport, jobDir: ref.jobDir, logNames };
}
