import * as z from "zod";
import { commonShape, executorField } from "./common-profile-schema.ts";
import { choice, formatted, int, nonEmptyStr, size, str } from "./fields.ts";
import { isSlurmTime } from "./slurm-profile-schema.ts";
import { TIME_LIMIT_DESCRIPTION, TIME_LIMIT_EXPECTED } from "./slurm-time.ts";
import { findMalformedEnvRef, hasEnvRef } from "./interpolate.ts";
import { tomlType } from "./toml-type.ts";

const MOUNT = /^[^:]+:[^:]+(?::(?:ro|rw))?$/;
const mounts = () =>
  z.array(formatted((v) => MOUNT.test(v), 'a mount "source:target" or "source:target:ro|rw"'));

// Docker's `--gpus` accepts all GPUs, a count, or device ids; a union in zod would report one branch's complaint
// instead of the whole expectation, so the check is written out.
const dockerGpus = () =>
  z
    .unknown()
    .superRefine((v, ctx) => {
      const ok =
        v === "all" ||
        (typeof v === "string" && hasEnvRef(v) && findMalformedEnvRef(v) === undefined) ||
        (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) ||
        (Array.isArray(v) && v.every((id) => typeof id === "string" && id !== ""));
      const got = typeof v === "string" || typeof v === "number" ? JSON.stringify(v) : tomlType(v);
      const message = `expected "all", an integer ≥ 0 or an array of device ids, got ${got}`;
      if (!ok) ctx.addIssue({ code: "custom", message });
    })
    .describe('GPUs for the container: "all", a count, or device ids such as ["0", "1"].')
    .meta({
      anyOf: [
        { const: "all" },
        { type: "integer", minimum: 0 },
        { type: "array", items: { type: "string" } },
        { type: "string", pattern: "\\$\\{env:" },
      ],
    });

/** A `docker` profile as written. */
export function dockerProfileSchema() {
  return z
    .strictObject({
      executor: executorField("docker"),
      ...commonShape(),
      image: nonEmptyStr().describe("Container image to run (required)."),
      gpus: dockerGpus(),
      shm_size: size("Size of /dev/shm"),
      mounts: mounts().describe('Bind mounts, each "source:target" or "source:target:ro|rw".'),
      host: str().describe("Docker daemon to use, e.g. ssh://user@gpu-box (default: the local daemon)."),
      pull: choice(["never", "missing", "always"])
        .describe("When to pull the image (default missing).")
        .meta({ default: "missing" }),
      user: str().describe("User (and group) the container runs as, e.g. 1000:1000."),
      network: str().describe("Docker network to attach the container to."),
      init: z
        .boolean()
        .describe("Run an init process as PID 1 so signals reach the job (default true).")
        .meta({ default: true }),
      secrets: choice(["file", "env"])
        .describe(
          "How secrets such as the W&B key reach the container: a mounted file, or environment (default file).",
        )
        .meta({ default: "file" }),
      rm: z
        .boolean()
        .describe("Remove the container when the job ends (default false).")
        .meta({ default: false }),
      retries: int(0)
        .describe("Times a failed container is restarted (Docker's on-failure restart policy; default 0).")
        .meta({ default: 0 }),
      time: formatted(isSlurmTime, TIME_LIMIT_EXPECTED).describe(TIME_LIMIT_DESCRIPTION),
    })
    .partial()
    .describe("Profile running the job in a Docker container.");
}
