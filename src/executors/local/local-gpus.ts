import type { LocalProfile } from "../../config/types.ts";
import { SlipwayError } from "../../errors.ts";
import type { Job } from "../../job/job.ts";

/**
 * The GPUs a local job asks for. `count` is checked against what `nvidia-smi` lists when the job is submitted;
 * `ids` become `CUDA_VISIBLE_DEVICES`, or are `undefined` when the job asks for none or its env sets that variable
 * itself (then the env wins and only the count is checked).
 */
export interface LocalGpus {
  readonly count: number;
  readonly ids: readonly string[] | undefined;
}

/**
 * Picks a local job's devices: the first `gpusPerNode` of the profile's `gpu_ids`, else indices 0 to
 * `gpusPerNode - 1`. No GPU asked (`gpusPerNode = 0`) leaves `CUDA_VISIBLE_DEVICES` alone, so the job sees what the
 * launching shell sees. Pure; throws `RECIPE_INVALID` when the job asks for more GPUs than `gpu_ids` lists.
 *
 * @example
 * ```ts
 * localGpus(job, { ...profile, gpuIds: ["0", "3"] }); // { count: 2, ids: ["0", "3"] } for gpusPerNode = 2
 * ```
 */
export function localGpus(job: Job, profile: LocalProfile): LocalGpus {
  const count = job.resources.gpusPerNode;
  if (count === 0) return { count, ids: undefined };
  const { gpuIds } = profile;
  if (gpuIds !== undefined && count > gpuIds.length) {
    throw new SlipwayError(
      "RECIPE_INVALID",
      `the job asks for ${count} GPUs but profile "${profile.name}" lists ${gpuIds.length} in gpu_ids (${gpuIds.join(", ")})`,
      { hint: "ask for fewer GPUs, or add devices to gpu_ids" },
    );
  }
  if (job.env["CUDA_VISIBLE_DEVICES"] !== undefined) return { count, ids: undefined };
  const ids = gpuIds?.slice(0, count) ?? Array.from({ length: count }, (_, i) => String(i));
  return { count, ids };
}
