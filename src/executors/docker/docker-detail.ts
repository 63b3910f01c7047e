import * as z from "zod";

/**
 * What a docker job's record keeps to find its container again: the full container id, the daemon, the grace period
 * of `docker stop`, and whether Docker removes the container when it ends (`rm`, AutoRemove: then the container's end
 * is final only once it is gone) or slipway does once it sees the end (`removeWhenEnded`: `rm = true` with retries or
 * a time limit); and, to say where the job stands, the restarts allowed and the time limit as written. Records
 * written before a field was kept read as its default.
 *
 * @example
 * ```ts
 * dockerDetailSchema.parse({ containerId: "3f2a9c1b7d0e…", host: "unix:///var/run/docker.sock", graceSeconds: 10, rm: false });
 * ```
 */
export const dockerDetailSchema = z.strictObject({
  containerId: z.string().min(1),
  host: z.string().min(1),
  graceSeconds: z.number().nonnegative(),
  rm: z.boolean().default(false),
  removeWhenEnded: z.boolean().default(false),
  retries: z.int().nonnegative().default(0),
  timeLimit: z.string().optional(),
});

/** A docker job record's `detail`. */
export type DockerDetail = z.infer<typeof dockerDetailSchema>;
