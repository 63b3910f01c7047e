import * as z from "zod";

/**
 * What a local job's record keeps to find its process again: the pid, the process's start time (so a reused pid
 * is never taken for the job) and the grace period between SIGTERM and SIGKILL.
 *
 * @example
 * ```ts
 * localDetailSchema.parse({ pid: 4242, startTime: "98765", graceSeconds: 10 });
 * ```
 */
export const localDetailSchema = z.strictObject({
  pid: z.int().positive(),
  startTime: z.string(),
  graceSeconds: z.number().nonnegative(),
});

/** A local job record's `detail`. */
export type LocalDetail = z.infer<typeof localDetailSchema>;
