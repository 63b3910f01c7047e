import * as z from "zod";
import { commonShape, executorField } from "./common-profile-schema.ts";
import { formatted, int, num, str } from "./fields.ts";
import { isSlurmTime } from "./slurm-profile-schema.ts";
import { TIME_LIMIT_DESCRIPTION, TIME_LIMIT_EXPECTED } from "./slurm-time.ts";

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

/** A `ray` profile as written; `memory` here is Ray's entrypoint memory in bytes. */
export function rayProfileSchema() {
  return z
    .strictObject({
      executor: executorField("ray"),
      ...commonShape(),
      address: formatted(isHttpUrl, 'an http(s) URL such as "http://ray-head:8265"').describe(
        "Ray dashboard / Jobs API address, e.g. http://ray-head:8265 (required).",
      ),
      token: str().describe(
        "Bearer token for the Ray Jobs API; treated as a secret. Prefer ${env:RAY_TOKEN}.",
      ),
      working_dir: str().describe(
        'Local directory shipped as the job\'s runtime_env working_dir instead of the launch directory (implies package = "dir").',
      ),
      num_cpus: num(0).describe("CPUs reserved for the entrypoint."),
      num_gpus: num(0).describe("GPUs reserved for the entrypoint."),
      memory: int(0).describe(
        "Memory reserved for the entrypoint, in bytes (replaces the size string of other executors).",
      ),
      resources: z.record(z.string(), num(0)).describe("Custom Ray resources reserved for the entrypoint."),
      pip: z.array(str()).describe("pip packages for the job's runtime_env."),
      retries: int(0)
        .describe("Times a failed job is submitted again, as <id>-r1, <id>-r2, … (default 0).")
        .meta({ default: 0 }),
      time: formatted(isSlurmTime, TIME_LIMIT_EXPECTED).describe(TIME_LIMIT_DESCRIPTION),
    })
    .partial()
    .describe("Profile submitting the job to a Ray cluster's Jobs API.");
}
