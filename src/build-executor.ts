import { detectWandbKey } from "./env/detect-wandb-key.ts";
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
 * tracking variables resolved. Nothing is started.
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
  const detection = detectWandbKey({
    env: runtime.env,
    homeDir: runtime.homeDir,
    cwd: runtime.cwd,
    configBaseUrl: selected.wandb.baseUrl,
  });
  const tracking = resolveTrackingEnv({
    settings: selected.wandb,
    detection,
    file: selected.file ?? "env.toml",
  });
  return createExecutor(selected.profile, tracking, runtime);
}
