import type { Secret } from "../secret.ts";
import type { KeySummary } from "./tracking-env.ts";
import { DEFAULT_WANDB_BASE_URL } from "./wandb-base-url.ts";

/** CoreWeave Forge hosts and the W&B API host behind each (the SDK's `wandb/sdk/lib/urls.py`). */
const FORGE_HOSTS: Readonly<Record<string, string>> = {
  "forge.coreweave.com": "api.wandb.ai",
  "qa.forge.coreweave.com": "api.qa.wandb.ai",
};

/**
 * The W&B app URL of a server URL, as the SDK derives it (`wandb.util.api_to_app_url`): a Forge host →
 * `https://<forge>/wandb` (`api.wandb.ai` included), other `api.wandb.*` → without `api.`, `https://api.corp.example`
 * → `https://app.corp.example`, any other URL unchanged.
 *
 * @example
 * ```ts
 * wandbAppUrl("https://api.wandb.ai"); // "https://forge.coreweave.com/wandb"
 * wandbAppUrl("https://api.corp.example"); // "https://app.corp.example"
 * ```
 */
export function wandbAppUrl(baseUrl: string): string {
  const host = URL.canParse(baseUrl) ? new URL(baseUrl).hostname : "";
  for (const [forge, api] of Object.entries(FORGE_HOSTS)) {
    if (host === forge || host === `api.${forge}` || host === api) return `https://${forge}/wandb`;
  }
  const url = baseUrl.replace(/\/+$/, "");
  if (url.includes("://api.wandb.")) return url.replace("://api.", "://");
  if (url.includes("://api.")) return url.replace("://api.", "://app.");
  return url;
}

/**
 * The URL of the W&B run a job will report to, when it is known before the job starts: the run is online (a key
 * was found, no offline or disabled mode), and entity, project and run id are set. `undefined` otherwise (without
 * `entity` the run goes to the key's default entity, which only the server knows).
 *
 * @example
 * ```ts
 * wandbRunUrl({ WANDB_ENTITY: "team", WANDB_PROJECT: "sft", WANDB_RUN_ID: "sft-k3j9x2" }, { status: "found", source: "WANDB_API_KEY", host: "api.wandb.ai" });
 * // "https://forge.coreweave.com/wandb/team/sft/runs/sft-k3j9x2"
 * ```
 */
export function wandbRunUrl(
  env: Readonly<Record<string, string | Secret>>,
  key: KeySummary,
): string | undefined {
  if (key.status !== "found" && key.status !== "identity-token") return undefined;
  const text = (name: string): string | undefined => {
    const value = env[name];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const mode = text("WANDB_MODE");
  if (mode !== undefined && mode !== "online" && mode !== "run") return undefined;
  const [entity, project, runId] = [text("WANDB_ENTITY"), text("WANDB_PROJECT"), text("WANDB_RUN_ID")];
  if (entity === undefined || project === undefined || runId === undefined) return undefined;
  const app = wandbAppUrl(text("WANDB_BASE_URL") ?? DEFAULT_WANDB_BASE_URL);
  return `${app}/${[entity, project, "runs", runId].map(encodeURIComponent).join("/")}`;
}
