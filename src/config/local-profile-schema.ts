import * as z from "zod";
import { commonShape, executorField } from "./common-profile-schema.ts";
import { formatted, int, num } from "./fields.ts";
import { isSlurmTime } from "./slurm-profile-schema.ts";
import { TIME_LIMIT_DESCRIPTION, TIME_LIMIT_EXPECTED } from "./slurm-time.ts";
import { findMalformedEnvRef, hasEnvRef } from "./interpolate.ts";
import { show } from "./toml-type.ts";

// CUDA_VISIBLE_DEVICES takes indices or UUIDs (GPU-…, MIG-…), comma-separated: an id holds no comma or space.
const GPU_ID = /^[^\s,]+$/;

// Written out rather than a zod union, which would report one branch's complaint instead of the whole expectation.
const gpuIds = () =>
  z
    .array(
      z.unknown().superRefine((v, ctx) => {
        const ok =
          (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) ||
          (typeof v === "string" &&
            (GPU_ID.test(v) || (hasEnvRef(v) && findMalformedEnvRef(v) === undefined)));
        const message = `expected a GPU index (0, "0") or UUID ("GPU-…"), got ${show(v)}`;
        if (!ok) ctx.addIssue({ code: "custom", message });
      }),
    )
    .refine((ids) => new Set(ids.map(String)).size === ids.length, {
      error: "lists the same GPU twice",
    })
    .describe(
      'GPUs the job may use, as CUDA_VISIBLE_DEVICES lists them: indices or UUIDs, e.g. ["0", "3"] (default: 0 to gpus_per_node - 1).',
    )
    .meta({ items: { anyOf: [{ type: "integer", minimum: 0 }, { type: "string" }] } });

/** A `local` profile as written: the job runs as a child process of slipway. */
export function localProfileSchema() {
  return z
    .strictObject({
      executor: executorField("local"),
      ...commonShape(),
      inherit_env: z
        .boolean()
        .describe("Pass the launching shell's environment to the job (default true).")
        .meta({ default: true }),
      grace_seconds: num(0, true)
        .describe("Seconds between SIGTERM and SIGKILL on cancel (default 10).")
        .meta({ default: 10 }),
      gpu_ids: gpuIds(),
      retries: int(0)
        .describe("Times a failed run is started again under the same job id (default 0).")
        .meta({ default: 0 }),
      time: formatted(isSlurmTime, TIME_LIMIT_EXPECTED).describe(TIME_LIMIT_DESCRIPTION),
    })
    .partial()
    .describe("Profile running the job on this machine.");
}
