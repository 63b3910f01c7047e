import { SlipwayError } from "../../errors.ts";
import type { ExecutorModule } from "../executor-module.ts";
import type { Plan } from "../types.ts";
import * as z from "zod";

/**
 * The kubernetes executor is not built yet: profiles validate, and everything else says so. The issue that builds
 * it replaces this module with a real one (Jobs with a per-job Secret).
 *
 * @example
 * ```ts
 * kubernetesModule.create(profile, tracking, context); // throws EXECUTOR_NOT_BUILT
 * ```
 */
export const kubernetesModule: ExecutorModule<"kubernetes", Plan, Record<string, never>> = {
  kind: "kubernetes",
  capabilities: { unsupported: {} },
  detail: z.strictObject({}),
  create(profile) {
    throw notBuilt(profile.name);
  },
  engine(job) {
    throw notBuilt(job.id);
  },
  check: () => Promise.resolve({ ok: false, text: "the kubernetes executor is not built yet" }),
};

function notBuilt(what: string): SlipwayError {
  return new SlipwayError(
    "EXECUTOR_NOT_BUILT",
    `profile "${what}" uses the kubernetes executor, which is not built yet (a later issue)`,
    { hint: 'the local executor works today: executor = "local"' },
  );
}
