import type { LocalProfile, WandbSettings } from "../../src/config/types.ts";
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
