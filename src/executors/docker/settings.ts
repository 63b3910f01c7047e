import type { PendingProfile } from "../../config/types.ts";

/** A docker profile's own settings, as validated from env.toml with defaults filled in. */
export interface DockerSettings {
  readonly image: string;
  /** `"all"`, a count, or device ids; `undefined` asks for no GPU. */
  readonly gpus: "all" | number | readonly string[] | undefined;
  readonly shmSize: string | undefined;
  /** `"source:target[:ro|rw]"` as written; relative sources are relative to the launch directory. */
  readonly mounts: readonly string[];
  /** The daemon: `unix:///path`, `tcp://…`, `ssh://…`; `undefined` means `DOCKER_HOST`, else the local socket. */
  readonly host: string | undefined;
  readonly pull: "never" | "missing" | "always";
  readonly user: string | undefined;
  readonly network: string | undefined;
  readonly init: boolean;
  readonly secrets: "file" | "env";
  readonly rm: boolean;
}

/**
 * Reads a docker profile's `settings` (validated by the config schema) into typed fields.
 *
 * @example
 * ```ts
 * dockerSettings(profile).image; // "my-train:latest"
 * ```
 */
export function dockerSettings(profile: PendingProfile<"docker">): DockerSettings {
  const s = profile.settings;
  const text = (key: string): string | undefined => (typeof s[key] === "string" ? s[key] : undefined);
  const gpus = s["gpus"];
  return {
    image: text("image") ?? "",
    gpus:
      gpus === "all" || typeof gpus === "number"
        ? gpus
        : Array.isArray(gpus)
          ? gpus.filter((id): id is string => typeof id === "string")
          : typeof gpus === "string" && /^\d+$/.test(gpus)
            ? Number(gpus)
            : undefined,
    shmSize: text("shm_size"),
    mounts: Array.isArray(s["mounts"]) ? s["mounts"].filter((m): m is string => typeof m === "string") : [],
    host: text("host"),
    pull: s["pull"] === "never" || s["pull"] === "always" ? s["pull"] : "missing",
    user: text("user"),
    network: text("network"),
    init: s["init"] !== false,
    secrets: s["secrets"] === "env" ? "env" : "file",
    rm: s["rm"] === true,
  };
}

const UNITS: Readonly<Record<string, number>> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * Bytes in a size as env.toml writes it (`"16g"`, `"512Mi"`, `"1GB"`: units are powers of 1024, as in Docker).
 *
 * @example
 * ```ts
 * sizeInBytes("16g"); // 17179869184
 * ```
 */
export function sizeInBytes(size: string): number {
  const match = /^([1-9][0-9]*)([KMGT])(?:i|B|iB)?$/i.exec(size);
  if (match === null) throw new Error(`not a size: ${size}`);
  return Number(match[1]) * (UNITS[(match[2] ?? "").toUpperCase()] ?? 1);
}
