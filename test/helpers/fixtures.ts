import type { ShippedCode } from "../../src/package/code-package.ts";
import { slurmSettingsOf } from "../../src/config/executor-settings.ts";
import type { LocalProfile, SlurmProfile, WandbSettings } from "../../src/config/types.ts";
import type { WandbKeyDetection } from "../../src/env/detect-wandb-key.ts";
import { Secret } from "../../src/secret.ts";
import { builtInLocal, NO_WANDB_SETTINGS } from "../../src/select-profile.ts";
import { CANARY_KEY } from "./temp-dir.ts";

export const WANDB: WandbSettings = { ...NO_WANDB_SETTINGS, project: "llm-sft", entity: "my-team" };

export const FOUND: WandbKeyDetection = {
  status: "found",
  kind: "api-key",
  key: new Secret(CANARY_KEY),
  source: "netrc",
  netrcPath: "/home/me/.netrc",
  machine: "api.wandb.ai",
  baseUrl: "https://api.forge.coreweave.com",
  host: "api.forge.coreweave.com",
  baseUrlSource: "default",
  warnings: [],
};

export const MISSING: WandbKeyDetection = {
  status: "missing",
  reason: 'no API key: WANDB_API_KEY is unset and there is no /home/me/.netrc (run "wandb login")',
  baseUrl: "https://api.forge.coreweave.com",
  host: "api.forge.coreweave.com",
  baseUrlSource: "default",
  warnings: [],
};

export const LOCAL_PROFILE: LocalProfile = { ...builtInLocal(), file: "/repo/env.toml" };

/** A Slurm profile `cluster` on `login` (plans only: nothing connects). */
export const SLURM_PROFILE: SlurmProfile = {
  ...LOCAL_PROFILE,
  name: "cluster",
  executor: "slurm",
  settings: slurmSettingsOf({
    host: "login",
    host_key_policy: "strict",
    tunnel: "ssh",
    remote_job_dir: "~/j",
  }),
};

/** The code a plan ships in the golden files: a dirty git tree launched from its `train/` directory. */
export const CODE: ShippedCode = {
  mode: "git",
  source: "/work/repo",
  subdir: "train",
  files: 42,
  bytes: 123_456,
  hash: "3f2a9c1b7d0e5a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d",
  commit: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
  dirty: true,
};
