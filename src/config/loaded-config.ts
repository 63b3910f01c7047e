import type { ExecutorKind } from "./types.ts";
import type { RawProfile } from "./profile-schemas.ts";
import type { RawWandb } from "./wandb-schema.ts";

/** One profile after validation (`${env:…}` not yet resolved; `resolveProfile` merges the chain). */
export interface LoadedProfile {
  readonly name: string;
  /** The executor, set here or inherited through `extends`. */
  readonly executor: ExecutorKind;
  readonly extends: string | undefined;
  /** This profile, then its parent, up to the root of the `extends` chain. */
  readonly chain: readonly string[];
  /** Keys written in this profile's own table, minus `executor` and `extends`. */
  readonly values: RawProfile;
}

/**
 * A validated env.toml: the raw `[wandb]` section and every profile, ready for `resolveProfile` / `resolveWandb`.
 *
 * @example
 * ```ts
 * const config: LoadedConfig = loadConfig({ cwd, env: process.env });
 * for (const [name, profile] of config.profiles) console.log(name, profile.executor, profile.chain.join(" → "));
 * ```
 */
export interface LoadedConfig {
  /** Absolute path of the file. */
  readonly file: string;
  /** The `[wandb]` section (empty when absent). */
  readonly wandb: RawWandb;
  /** Every profile, in file order. */
  readonly profiles: ReadonlyMap<string, LoadedProfile>;
}
