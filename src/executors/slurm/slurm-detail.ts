import * as z from "zod";
import type { SlurmTarget } from "../../config/types.ts";

function targetSchema() {
  const sshTargetSchema = z.strictObject({
    tunnel: z.literal("ssh"),
    host: z.string().min(1),
    user: z.string().optional(),
    port: z.int().min(1).max(65535).optional(),
    identity: z.string().optional(),
    jump: z.string().optional(),
    hostKeyPolicy: z.enum(["strict", "accept-new"]),
  });

  // JSON drops the keys whose value is undefined; the target is given back with every key, as the profile has it.
  return z
    .discriminatedUnion("tunnel", [sshTargetSchema, z.strictObject({ tunnel: z.literal("local") })])
    .transform((target): SlurmTarget =>
      target.tunnel === "local"
        ? { tunnel: "local" }
        : {
            tunnel: "ssh",
            host: target.host,
            user: target.user,
            port: target.port,
            identity: target.identity,
            jump: target.jump,
            hostKeyPolicy: target.hostKeyPolicy,
          },
    );
}

/** The keys records of slipway before the typed profiles kept (env.toml's own, plus `target` for the label). */
const LEGACY_TARGET_KEYS = ["tunnel", "host", "host_key_policy", "user", "port", "identity", "jump"] as const;

// A record written before the typed profiles: the target's env.toml keys at the top, `target` being the label.
function fromLegacy(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const old = value as Readonly<Record<string, unknown>>;
  if (typeof old["target"] === "object") return value;
  const rest = Object.fromEntries(
    Object.entries(old).filter(
      ([key]) => key !== "target" && !(LEGACY_TARGET_KEYS as readonly string[]).includes(key),
    ),
  );
  const target =
    old["tunnel"] === "local"
      ? { tunnel: "local" }
      : {
          tunnel: "ssh",
          host: old["host"],
          user: old["user"],
          port: old["port"],
          identity: old["identity"],
          jump: old["jump"],
          hostKeyPolicy: old["host_key_policy"] ?? "strict",
        };
  return { ...rest, target, label: old["target"] };
}

/**
 * What a slurm job's record keeps to find the job again from any process: where its Slurm commands run (`target`,
 * the profile's; SSH keys, aliases and known hosts are read from the launching machine again), the target's
 * `label` (dependencies compare it), the job's directory on the cluster (absolute), the array spec of an array job
 * and the cluster of a multi-cluster setup. Records written by earlier versions (env.toml's snake_case keys at the
 * top, `target` being the label, `cleaned` once `slipway cleanup` ran) are read into this shape.
 *
 * @example
 * ```ts
 * slurmDetailSchema().parse({
 *   target: { tunnel: "ssh", host: "login1", user: "me", port: 2222, hostKeyPolicy: "strict" },
 *   label: "me@login1:2222",
 *   jobDir: "/home/me/.slipway/jobs/sft-k3j9x2",
 *   array: "0-3",
 * });
 * ```
 */
export function slurmDetailSchema() {
  return (built ??= buildSlurmDetailSchema());
}

let built: ReturnType<typeof buildSlurmDetailSchema> | undefined;

// Built on first use: a dry run reads no record.
function buildSlurmDetailSchema() {
  return z.preprocess(
    fromLegacy,
    z.strictObject({
      target: targetSchema(),
      label: z.string().min(1),
      jobDir: z.string().startsWith("/"),
      array: z.string().min(1).optional(),
      cluster: z.string().min(1).optional(),
      /** Written by earlier versions once `slipway cleanup` had copied the logs here (now: `record.cleanedAt`). */
      cleaned: z.literal(true).optional(),
    }),
  );
}

/** A slurm job record's `detail`. */
export type SlurmDetail = z.output<ReturnType<typeof slurmDetailSchema>>;
