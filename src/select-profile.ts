import { join } from "node:path";
import { loadConfig } from "./config/load-config.ts";
import type { LoadedConfig } from "./config/loaded-config.ts";
import { listProfiles, resolveProfile, resolveWandb } from "./config/resolve-profile.ts";
import type { ExecutorKind, LocalProfile, ResolvedProfile, WandbSettings } from "./config/types.ts";
import { ConfigError, SlipwayError } from "./errors.ts";
import type { Runtime } from "./runtime.ts";

/**
 * How a caller names where to run: a profile, or just an executor kind. With neither, `SLIPWAY_PROFILE` or
 * the only profile in env.toml is used (the built-in local profile without env.toml).
 *
 * @example
 * ```ts
 * const byName: ProfileChoice = { profile: "gpu0", config: "ci/env.toml" };
 * const byKind: ProfileChoice = { executor: "local" };
 * await launch({ name: "smoke", command: ["nvidia-smi"] }, byKind);
 * ```
 */
export interface ProfileChoice {
  /** A profile in env.toml. */
  readonly profile?: string | undefined;
  /** An executor kind: the profile of that name, else the only profile using it; `local` also works without env.toml. */
  readonly executor?: ExecutorKind | undefined;
  /** Path of env.toml (default: `$SLIPWAY_CONFIG`, else the first env.toml from the cwd up to the repository root). */
  readonly config?: string | undefined;
}

/** The chosen profile with its `[wandb]` settings; `file` is undefined for the built-in local profile. */
export interface SelectedProfile {
  readonly profile: ResolvedProfile;
  readonly wandb: WandbSettings;
  readonly file: string | undefined;
}

const BUILT_IN_FILE = "(built-in local profile)";

/** `[wandb]` when env.toml has none (or there is no env.toml): nothing set, no key required. */
export const NO_WANDB_SETTINGS: WandbSettings = {
  project: undefined,
  entity: undefined,
  baseUrl: undefined,
  name: undefined,
  group: undefined,
  jobType: undefined,
  tags: undefined,
  notes: undefined,
  mode: undefined,
  requireKey: false,
  envFile: undefined,
};

/**
 * Loads env.toml and resolves the profile the caller asked for.
 *
 * @example
 * ```ts
 * const { profile, wandb } = selectProfile({ profile: "gpu0" }, runtimeOf());
 * ```
 */
export function selectProfile(choice: ProfileChoice, runtime: Runtime): SelectedProfile {
  const config = loadOptionalConfig(choice, runtime);
  if (config instanceof ConfigError) {
    const wantsLocal =
      (choice.profile === undefined || choice.profile === "local") &&
      (choice.executor === undefined || choice.executor === "local");
    // Without env.toml only the built-in local profile exists.
    if (wantsLocal) return { profile: builtInLocal(), wandb: NO_WANDB_SETTINGS, file: undefined };
    throw config;
  }
  const wandb = resolveWandb(config, runtime.env);
  const name = profileName(config, choice, runtime);
  if (name === undefined) return { profile: builtInLocal(), wandb, file: config.file };
  return { profile: resolveProfile(config, name, runtime.env), wandb, file: config.file };
}

/** The loaded config, or the "not found" error when no env.toml was asked for by name and none was found. */
function loadOptionalConfig(choice: ProfileChoice, runtime: Runtime): LoadedConfig | ConfigError {
  try {
    const cacheDir = join(runtime.store.root, "cache");
    return loadConfig({ cwd: runtime.cwd, env: runtime.env, configPath: choice.config, cacheDir });
  } catch (error) {
    const explicit = choice.config !== undefined || (runtime.env["SLIPWAY_CONFIG"] ?? "") !== "";
    if (error instanceof ConfigError && error.code === "CONFIG_NOT_FOUND" && !explicit) return error;
    throw error;
  }
}

/** The profile to use; `undefined` means the built-in local profile. */
function profileName(config: LoadedConfig, choice: ProfileChoice, runtime: Runtime): string | undefined {
  if (choice.profile !== undefined) return choice.profile;
  const profiles = listProfiles(config);
  const names = profiles.map((p) => p.name).join(", ") || "none";
  if (choice.executor !== undefined) {
    const kind = choice.executor;
    const same = profiles.filter((p) => p.executor === kind);
    const exact = same.find((p) => p.name === kind);
    if (exact !== undefined) return exact.name;
    if (same.length === 1 && same[0] !== undefined) return same[0].name;
    if (same.length === 0 && kind === "local") return undefined;
    throw new SlipwayError(
      "PROFILE_UNKNOWN",
      same.length === 0
        ? `${config.file}: no profile uses the ${kind} executor (profiles: ${names})`
        : `${config.file}: several profiles use the ${kind} executor: ${same.map((p) => p.name).join(", ")}`,
      { hint: "name the profile instead (--profile <name>, or { profile } in launch options)" },
    );
  }
  const fromEnv = runtime.env["SLIPWAY_PROFILE"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (profiles.length === 1 && profiles[0] !== undefined) return profiles[0].name;
  throw new SlipwayError("PROFILE_UNKNOWN", `${config.file}: which profile? (profiles: ${names})`, {
    hint: "pass --profile <name> or set SLIPWAY_PROFILE",
  });
}

/** The local profile slipway uses when env.toml has none: every default, inheriting the launching environment. */
export function builtInLocal(): LocalProfile {
  return {
    name: "local",
    file: BUILT_IN_FILE,
    executor: "local",
    env: {},
    workdir: undefined,
    resources: { nodes: 1, gpusPerNode: 0, nprocPerNode: 1, cpusPerNode: undefined, memory: undefined },
    launcher: "none",
    package: undefined,
    excludes: [],
    envFile: undefined,
    inheritEnv: true,
    graceSeconds: 10,
    gpuIds: undefined,
    retries: 0,
    time: undefined,
  };
}
