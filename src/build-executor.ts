import { detectWandbKey } from "./env/detect-wandb-key.ts";
import { readEnvFiles } from "./env/read-env-files.ts";
import { resolveTrackingEnv } from "./env/tracking-env.ts";
import { createExecutor } from "./executors/registry.ts";
import type { Executor } from "./executors/executor-module.ts";
import { runtimeOf, type RuntimeOptions } from "./runtime.ts";
import { selectProfile, type ProfileChoice } from "./select-profile.ts";

/**
 * Options of {@link buildExecutor}: which profile, and (for tests and embedding) the launching machine.
 *
 * @example
 * ```ts
 * const options: BuildExecutorOptions = { executor: "local", config: "ci/env.toml", cwd: "/repo" };
 * const executor = await buildExecutor(undefined, options); // the local profile of /repo/ci/env.toml
 * ```
 */
export interface BuildExecutorOptions extends Omit<ProfileChoice, "profile">, RuntimeOptions {}

/**
 * The configured executor of a profile, with the W&B key detected (as the `wandb` SDK would find it) and the
 * tracking variables resolved. The `env_file` files (`[wandb]`'s, then the profile's) are read here: their
 * `WANDB_API_KEY` joins key detection, their other variables go beneath the profile's `env`. Nothing is started.
 *
 * @example
 * ```ts
 * const executor = await buildExecutor("gpu0");
 * console.log(executor.tracking.key); // { status: "found", source: "netrc …", host: "api.wandb.ai" }
 * ```
 */
export async function buildExecutor(profile?: string, options: BuildExecutorOptions = {}): Promise<Executor> {
  const runtime = runtimeOf(options);
  const selected = selectProfile({ ...options, profile }, runtime);
  const files = readEnvFiles([selected.wandb.envFile, selected.profile.envFile], {
    homeDir: runtime.homeDir,
  });
  const detection = detectWandbKey({
    env: runtime.env,
    homeDir: runtime.homeDir,
    cwd: runtime.cwd,
    configBaseUrl: selected.wandb.baseUrl,
    envFileKey: files.apiKey,
  });
  const tracking = resolveTrackingEnv({
    settings: selected.wandb,
    detection,
    file: selected.file ?? "env.toml",
  });
  // The files' variables join the profile's `env` beneath it, so buildJob treats them alike (secret-looking names
  // become Secrets); the files' WANDB_API_KEY is not among them: it reaches jobs as the tracking key.
  const withFiles = { ...selected.profile, env: { ...files.vars, ...selected.profile.env } };
  return createExecutor(
    withFiles,
    { ...tracking, notices: [...files.notices, ...tracking.notices] },
    runtime,
  );
}
