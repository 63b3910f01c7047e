import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LaunchOptions } from "../../src/launch.ts";

/** A launching machine in a temp dir: its own HOME (no real netrc), job store and env.toml. */
export interface Sandbox {
  readonly root: string;
  readonly home: string;
  readonly slipwayHome: string;
  readonly config: string;
  readonly env: Record<string, string>;
}

/**
 * Makes a sandbox under `dir` with `env.toml` holding `toml` (default: one local profile, W&B offline-capable).
 */
export function makeSandbox(
  dir: string,
  toml = DEFAULT_TOML,
  extraEnv: Record<string, string> = {},
): Sandbox {
  const home = join(dir, "home");
  const slipwayHome = join(dir, "slipway-home");
  const work = join(dir, "work");
  mkdirSync(home);
  mkdirSync(work);
  const config = join(work, "env.toml");
  writeFileSync(config, toml);
  const env = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: home,
    SLIPWAY_HOME: slipwayHome,
    LANG: "C.UTF-8",
    ...extraEnv,
  };
  return { root: work, home, slipwayHome, config, env };
}

/** Options that make `launch()` run on the sandbox's machine: its env.toml, environment, home and cwd. */
export function sandboxOptions(sandbox: Sandbox, profile = "local"): LaunchOptions {
  return {
    profile,
    config: sandbox.config,
    env: sandbox.env,
    cwd: sandbox.root,
    homeDir: sandbox.home,
    onNotice: () => undefined,
  };
}

export const DEFAULT_TOML = `[wandb]
project = "slipway-test"
entity = "tests"

[local]
executor = "local"
grace_seconds = 1
`;
