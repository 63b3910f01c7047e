import * as z from "zod";

/**
 * What a docker job's record keeps to find its container again: the full container id, the daemon, the grace period
 * of `docker stop`, and whether Docker removes the container when it ends (`rm = true`: then the container's end is
 * final only once it is gone). Records written before `rm` was kept read as `rm = false`.
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
});

/** A docker job record's `detail`. */
export type DockerDetail = z.infer<typeof dockerDetailSchema>;
