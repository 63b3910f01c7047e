import type { PendingProfile } from "../../config/types.ts";
import { isSecret, type Secret } from "../../secret.ts";

/** A ray profile's own settings, as validated from env.toml. */
export interface RaySettings {
  /** The dashboard / Jobs API address, e.g. `http://ray-head:8265`, without a trailing slash. */
  readonly address: string;
  readonly token: Secret | undefined;
  readonly workingDir: string | undefined;
  readonly numCpus: number | undefined;
  readonly numGpus: number | undefined;
  readonly memory: number | undefined;
  readonly resources: Readonly<Record<string, number>>;
  readonly pip: readonly string[];
  readonly excludes: readonly string[];
}

/**
 * Reads a ray profile's `settings` (validated by the config schema) into typed fields.
 *
 * @example
 * ```ts
 * raySettings(profile).address; // "http://127.0.0.1:8265"
 * ```
 */
export function raySettings(profile: PendingProfile<"ray">): RaySettings {
  const s = profile.settings;
  const num = (key: string): number | undefined => (typeof s[key] === "number" ? s[key] : undefined);
  const strings = (key: string): string[] => {
    const value = s[key];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  };
  const resources = s["resources"];
  const token = s["token"];
  return {
    address: (typeof s["address"] === "string" ? s["address"] : "").replace(/\/+$/, ""),
    token: isSecret(token) ? token : undefined,
    workingDir: typeof s["working_dir"] === "string" ? s["working_dir"] : undefined,
    numCpus: num("num_cpus"),
    numGpus: num("num_gpus"),
    memory: num("memory"),
    resources:
      typeof resources === "object" && resources !== null
        ? Object.fromEntries(
            Object.entries(resources).filter(
              (entry): entry is [string, number] => typeof entry[1] === "number",
            ),
          )
        : {},
    pip: strings("pip"),
    excludes: strings("excludes"),
  };
}
