import * as z from "zod";

/**
 * What a local job's record keeps to find its process again: the pid, the process's start time (so a reused pid
 * is never taken for the job) and the grace period between SIGTERM and SIGKILL; and, to say where the job stands,
 * how many retries its wrapper may make and its time limit as written. Records written before those were kept read
 * as no retries and no limit.
 *
 * @example
 * ```ts
 * localDetailSchema().parse({ pid: 4242, startTime: "98765", graceSeconds: 10, retries: 2, timeLimit: "04:00:00" });
 * ```
 */
export function localDetailSchema() {
  return (built ??= buildLocalDetailSchema());
}

let built: ReturnType<typeof buildLocalDetailSchema> | undefined;

// Built on first use: a dry run reads no record.
function buildLocalDetailSchema() {
  return z.strictObject({
    pid: z.int().positive(),
    startTime: z.string(),
    graceSeconds: z.number().nonnegative(),
    retries: z.int().nonnegative().default(0),
    timeLimit: z.string().optional(),
  });
}

/** A local job record's `detail`. */
export type LocalDetail = z.infer<ReturnType<typeof localDetailSchema>>;
