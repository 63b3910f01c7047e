import * as z from "zod";

/**
 * What a ray job's record keeps to find the job again: the Jobs API address and whether the profile sends a token.
 * The token itself is never stored; an engine that needs it reads it again from the job's own profile.
 *
 * @example
 * ```ts
 * rayDetailSchema.parse({ address: "http://ray-head:8265", usesToken: true });
 * ```
 */
export const rayDetailSchema = z.strictObject({
  address: z.string().min(1),
  usesToken: z.boolean(),
  /** What the entrypoint asks for, in Ray's resource names (`CPU`, `GPU`, `memory`, custom ones). */
  demand: z.record(z.string(), z.number()).optional(),
  /** Times a failed attempt is submitted again (`<id>-r1`, …); records written before it read as none. */
  retries: z.int().nonnegative().default(0),
  /** The job's time limit as written, for the reason of a job stopped by it and the time a later attempt has left. */
  timeLimit: z.string().optional(),
});

/** A ray job record's `detail`. */
export type RayDetail = z.infer<typeof rayDetailSchema>;
