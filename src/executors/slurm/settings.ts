import type { PendingProfile } from "../../config/types.ts";
import type { SshTarget } from "./ssh-route.ts";

/** Where the Slurm commands run: over SSH to a login node, or on this machine. */
export type SlurmTarget = ({ readonly tunnel: "ssh" } & SshTarget) | { readonly tunnel: "local" };

/** A slurm profile's own settings, as validated from env.toml, with defaults filled in. */
export interface SlurmSettings {
  readonly target: SlurmTarget;
  readonly account: string | undefined;
  readonly partition: string | undefined;
  readonly qos: string | undefined;
  readonly time: string | undefined;
  readonly constraint: string | undefined;
  readonly exclusive: boolean;
  readonly cpusPerTask: number | undefined;
  readonly sbatchArgs: readonly string[];
  /** As written: may start with `~/`. */
  readonly remoteJobDir: string;
  readonly containerImage: string | undefined;
  readonly containerMounts: readonly string[];
  readonly setup: readonly string[];
  readonly retries: number;
  readonly package: "none" | "git";
}

/**
 * Reads a slurm profile's `settings` (validated by the config schema) into typed fields.
 *
 * @example
 * ```ts
 * slurmSettings(profile).remoteJobDir; // "~/.slipway/jobs" unless the profile says otherwise
 * ```
 */
export function slurmSettings(profile: PendingProfile<"slurm">): SlurmSettings {
  const s = profile.settings;
  const text = (key: string): string | undefined => (typeof s[key] === "string" ? s[key] : undefined);
  const num = (key: string): number | undefined => (typeof s[key] === "number" ? s[key] : undefined);
  const strings = (key: string): string[] => {
    const value = s[key];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  };
  return {
    target: slurmTarget(s),
    account: text("account"),
    partition: text("partition"),
    qos: text("qos"),
    time: text("time"),
    constraint: text("constraint"),
    exclusive: s["exclusive"] === true,
    cpusPerTask: num("cpus_per_task"),
    sbatchArgs: strings("sbatch_args"),
    remoteJobDir: (text("remote_job_dir") ?? "~/.slipway/jobs").replace(/(.)\/+$/, "$1"),
    containerImage: text("container_image"),
    containerMounts: strings("container_mounts"),
    setup: strings("setup"),
    retries: num("retries") ?? 0,
    package: text("package") === "git" ? "git" : "none",
  };
}

/**
 * The target named by a profile's settings, or by a job record's `detail`, which keeps the same keys
 * (see {@link targetKeys}).
 *
 * @example
 * ```ts
 * slurmTarget({ host: "login1", port: 2222 }); // { tunnel: "ssh", host: "login1", port: 2222, hostKeyPolicy: "strict", … }
 * ```
 */
export function slurmTarget(values: Readonly<Record<string, unknown>>): SlurmTarget {
  const text = (key: string): string | undefined =>
    typeof values[key] === "string" ? values[key] : undefined;
  if (text("tunnel") === "local") return { tunnel: "local" };
  return {
    tunnel: "ssh",
    host: text("host") ?? "",
    user: text("user"),
    port: typeof values["port"] === "number" ? values["port"] : undefined,
    identity: text("identity"),
    jump: text("jump"),
    hostKeyPolicy: text("host_key_policy") === "accept-new" ? "accept-new" : "strict",
  };
}

/**
 * A target as the settings keys {@link slurmTarget} reads back (the job store keeps them to reattach).
 *
 * @example
 * ```ts
 * slurmTarget(targetKeys(target)); // the same target
 * ```
 */
export function targetKeys(target: SlurmTarget): Record<string, string | number> {
  if (target.tunnel === "local") return { tunnel: "local" };
  const keys: Record<string, string | number> = {
    tunnel: "ssh",
    host: target.host,
    host_key_policy: target.hostKeyPolicy,
  };
  if (target.user !== undefined) keys["user"] = target.user;
  if (target.port !== undefined) keys["port"] = target.port;
  if (target.identity !== undefined) keys["identity"] = target.identity;
  if (target.jump !== undefined) keys["jump"] = target.jump;
  return keys;
}

/**
 * How the target reads in messages and in the job store: `user@host:port`, `host` when only that is known, or
 * `local`.
 *
 * @example
 * ```ts
 * targetLabel({ tunnel: "ssh", host: "login1", user: "me", port: 2222, ... }); // "me@login1:2222"
 * ```
 */
export function targetLabel(target: SlurmTarget): string {
  if (target.tunnel === "local") return "local";
  const user = target.user === undefined ? "" : `${target.user}@`;
  const port = target.port === undefined ? "" : `:${target.port}`;
  const jump = target.jump === undefined ? "" : ` via ${target.jump}`;
  return `${user}${target.host}${port}${jump}`;
}
