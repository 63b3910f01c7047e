import * as z from "zod";
import { commonShape, executorField } from "./common-profile-schema.ts";
import { num } from "./fields.ts";

/** A `local` profile as written: the job runs as a child process of slipway. */
export function localProfileSchema() {
  return z
    .strictObject({
      executor: executorField("local"),
      ...commonShape,
      inherit_env: z
        .boolean()
        .describe("Pass the launching shell's environment to the job (default true).")
        .meta({ default: true }),
      grace_seconds: num(0, true)
        .describe("Seconds between SIGTERM and SIGKILL on cancel (default 10).")
        .meta({ default: 10 }),
    })
    .partial()
    .describe("Profile running the job on this machine.");
}
