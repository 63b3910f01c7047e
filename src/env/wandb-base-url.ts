import { join, resolve } from "node:path";
import { Secret } from "../secret.ts";
import type { DetectFs } from "./detect-fs.ts";
import { expandUser } from "./expand-user.ts";
import { forgeUpstreamUrl, normalizeWandbBaseUrl } from "./normalize-wandb-base-url.ts";
import { readWandbSettingsFile } from "./read-wandb-settings-file.ts";
import { urlsplit } from "./urlsplit.ts";
import { hasEdgeWhitespace } from "./validate-api-key.ts";

// Re-exported from their own modules so that existing importers of this module keep working.
export type { DetectFs } from "./detect-fs.ts";
export { normalizeWandbBaseUrl } from "./normalize-wandb-base-url.ts";
export { urlsplit } from "./urlsplit.ts";

/** The W&B SDK's default server since 0.31 (the CoreWeave Forge API host; `api.wandb.ai` sits behind it). */
export const DEFAULT_WANDB_BASE_URL = "https://api.forge.coreweave.com";

/**
 * What {@link resolveWandbBaseUrl} reads.
 *
 * @example
 * ```ts
 * const options: ResolveBaseUrlOptions = { env: process.env, homeDir: os.homedir(), cwd: process.cwd(), fs };
 * ```
 */
export interface ResolveBaseUrlOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly cwd: string;
  /** `[wandb].base_url` from env.toml; beats everything else. */
  readonly configBaseUrl?: string | undefined;
  readonly fs: DetectFs;
}

/**
 * An `api_key` set in a W&B settings file: the SDK still falls back to it after env and netrc.
 *
 * @example
 * ```ts
 * if (r.ok && r.settingsApiKey) console.log(`key in ${r.settingsApiKey.path}: ${r.settingsApiKey.key}`); // ***
 * ```
 */
export interface SettingsApiKey {
  readonly key: Secret;
  readonly path: string;
}

/**
 * The server the SDK would talk to. `host` is the URL's netloc (`host[:port]` as Python's `urlsplit` gives it), which
 * is the netrc machine name; `upstreamHost` is the machine the SDK tries next for a Forge URL (`api.wandb.ai`).
 *
 * @example
 * ```ts
 * const r = resolveWandbBaseUrl(options);
 * console.log(r.ok ? `${r.url} (${r.source})` : r.reason);
 * ```
 */
export type WandbBaseUrlResolution =
  | {
      readonly ok: true;
      readonly url: string;
      readonly host: string;
      readonly upstreamHost?: string;
      /** `env.toml`, `WANDB_BASE_URL`, `workspace settings <path>`, `global settings <path>` or `default`. */
      readonly source: string;
      readonly settingsApiKey?: SettingsApiKey;
      readonly warnings: string[];
    }
  | { readonly ok: false; readonly reason: string; readonly warnings: string[] };

/**
 * Resolves the W&B server URL like the SDK's settings loader: `configBaseUrl` → `WANDB_BASE_URL` → workspace
 * settings (`<cwd>/.wandb/settings` if `<cwd>/.wandb` exists, else `<cwd>/wandb/settings`) → global settings
 * (`$WANDB_CONFIG_DIR/settings`, else `~/.config/wandb/settings`) → {@link DEFAULT_WANDB_BASE_URL}. A bad URL in
 * env.toml or `WANDB_BASE_URL` fails (the SDK raises); a bad settings file only warns (the SDK ignores it).
 *
 * @example
 * ```ts
 * const r = resolveWandbBaseUrl({ env: { WANDB_BASE_URL: "http://localhost:8080/" }, homeDir, cwd, fs });
 * if (r.ok) console.log(r.url, r.host); // http://localhost:8080 localhost:8080
 * ```
 */
export function resolveWandbBaseUrl(options: ResolveBaseUrlOptions): WandbBaseUrlResolution {
  const { env, homeDir, cwd, fs } = options;
  const warnings: string[] = [];
  const configDir = env["WANDB_CONFIG_DIR"];
  const files = [
    {
      label: "global",
      path: configDir
        ? join(resolve(cwd, expandUser(configDir, homeDir)), "settings")
        : join(homeDir, ".config", "wandb", "settings"),
    },
    { label: "workspace", path: join(cwd, fs.exists(join(cwd, ".wandb")) ? ".wandb" : "wandb", "settings") },
  ].map((file) => ({ ...file, values: new Map<string, string>() }));
  for (const file of files) {
    const read = readWandbSettingsFile(file.path, fs);
    if (typeof read === "string") warnings.push(read);
    else if ("fatal" in read) return { ok: false, reason: read.fatal, warnings };
    else file.values = read;
  }
  // The workspace file wins per key over the global one.
  const setting = (key: string): { value: string; path: string; label: string } | undefined => {
    const file = files.findLast((f) => f.values.has(key));
    return file && { value: file.values.get(key) ?? "", path: file.path, label: file.label };
  };
  const fileBaseUrl = setting("base_url");
  const fileApiKey = setting("api_key");
  const checked = fileBaseUrl && normalizeWandbBaseUrl(fileBaseUrl.value);
  const problem =
    fileBaseUrl && checked && !checked.ok
      ? `base_url ${quoteUrl(fileBaseUrl.value)}${checked.reason}`
      : fileApiKey && hasEdgeWhitespace(fileApiKey.value)
        ? "api_key has leading or trailing whitespace"
        : undefined;
  if (problem !== undefined) {
    // One bad setting makes the SDK drop every settings file (it prints an error and carries on).
    const paths = files.filter((f) => f.values.size > 0).map((f) => f.path);
    warnings.push(
      `ignoring the W&B settings file${paths.length > 1 ? "s" : ""} ${paths.join(" and ")}: ${problem}`,
    );
  }
  const settingsApiKey =
    problem === undefined && fileApiKey
      ? { key: new Secret(fileApiKey.value), path: fileApiKey.path }
      : undefined;

  let chosen = { url: DEFAULT_WANDB_BASE_URL, source: "default" };
  const envUrl = env["WANDB_BASE_URL"];
  if (options.configBaseUrl !== undefined || envUrl !== undefined) {
    const fromConfig = options.configBaseUrl !== undefined;
    const raw = options.configBaseUrl ?? envUrl ?? "";
    const result = normalizeWandbBaseUrl(raw);
    if (!result.ok) {
      const subject = fromConfig ? "the base_url in env.toml" : "WANDB_BASE_URL";
      return { ok: false, reason: `${subject} ${quoteUrl(raw)}${result.reason}`, warnings };
    }
    chosen = { url: result.url, source: fromConfig ? "env.toml" : "WANDB_BASE_URL" };
  } else if (problem === undefined && fileBaseUrl && checked?.ok) {
    chosen = { url: checked.url, source: `${fileBaseUrl.label} settings ${fileBaseUrl.path}` };
  }
  const upstream = forgeUpstreamUrl(chosen.url);
  return {
    ok: true,
    url: chosen.url,
    host: urlsplit(chosen.url).netloc,
    ...(upstream !== chosen.url && { upstreamHost: urlsplit(upstream).netloc }),
    source: chosen.source,
    ...(settingsApiKey && { settingsApiKey }),
    warnings,
  };
}

/**
 * The URL quoted for a message, then a space; user info masked, and nothing at all for text that is not URL-shaped
 * (a key pasted into the wrong variable must not be echoed).
 */
function quoteUrl(raw: string): string {
  if (raw !== "" && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw)) return "";
  return `${JSON.stringify(raw.replace(/^([^:]*:\/\/)[^/?#]*@/, "$1***@"))} `;
}
