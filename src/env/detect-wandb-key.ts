import { join, resolve } from "node:path";
import { Secret } from "../secret.ts";
import { type DetectFs, isNotUtf8, nodeDetectFs } from "./detect-fs.ts";
import { expandUser } from "./expand-user.ts";
import { authenticators, NetrcParseError, parseNetrc } from "./netrc.ts";
import { hasEdgeWhitespace, validateApiKey } from "./validate-api-key.ts";
import { resolveWandbBaseUrl } from "./wandb-base-url.ts";

/**
 * What {@link detectWandbKey} reads; everything is injected so that tests never touch the real machine.
 *
 * @example
 * ```ts
 * const options: DetectWandbKeyOptions = { env: process.env, homeDir: os.homedir(), cwd: process.cwd() };
 * ```
 */
export interface DetectWandbKeyOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Stands for `$HOME` / `~` wherever the SDK expands it. */
  readonly homeDir: string;
  /** The job's working directory: workspace settings and relative paths are read from here. */
  readonly cwd: string;
  /** `[wandb].base_url` from env.toml; beats `WANDB_BASE_URL` and the settings files. */
  readonly configBaseUrl?: string | undefined;
  /**
   * The `WANDB_API_KEY` of an `env_file` (see `readEnvFiles`): beneath the environment's `WANDB_API_KEY` and
   * `WANDB_IDENTITY_TOKEN_FILE`, above netrc and the settings files.
   */
  readonly envFileKey?: { readonly key: Secret; readonly path: string } | undefined;
  /** Defaults to synchronous `node:fs`. */
  readonly fs?: DetectFs | undefined;
}

/** The server the key is for: URL, netloc (the netrc machine) and where the URL came from. */
interface WandbServer {
  readonly baseUrl: string;
  readonly host: string;
  readonly baseUrlSource: string;
}

/**
 * Which W&B credentials a job launched with these inputs would use, as the SDK (0.31) decides:
 * - `found`/`api-key`: from `WANDB_API_KEY`, an `env_file` (slipway's own source, injected as `WANDB_API_KEY`), the
 *   netrc entry for the server (or `default`), or a settings file's `api_key` (the SDK's last fallback);
 * - `found`/`identity-token`: `WANDB_IDENTITY_TOKEN_FILE` (OIDC; no key);
 * - `missing`: the SDK would stop with "No API key configured" (or prompt on a terminal);
 * - `invalid`: the SDK would raise (both env vars set, a malformed key, whitespace, a bad server URL).
 * `reason` and `warnings` never contain the key.
 *
 * @example
 * ```ts
 * const d = detectWandbKey({ env: process.env, homeDir: os.homedir(), cwd: process.cwd() });
 * if (d.status === "found" && d.kind === "api-key") console.log(d.source, d.host, `${d.key}`); // key as ***
 * else if (d.status !== "found") throw new SlipwayError("WANDB_KEY", d.reason);
 * ```
 */
export type WandbKeyDetection =
  | (WandbServer & {
      readonly status: "found";
      readonly kind: "api-key";
      readonly key: Secret;
      readonly source: "WANDB_API_KEY" | "env-file" | "netrc" | "settings";
      /** The `env_file` holding the key, when `source` is `env-file`. */
      readonly envFilePath?: string;
      readonly netrcPath?: string;
      /** The netrc entry used: the host, `default`, or for a Forge URL `api.wandb.ai`. */
      readonly machine?: string;
      /** The settings file holding `api_key`, when `source` is `settings`. */
      readonly settingsPath?: string;
      readonly warnings: string[];
    })
  | (WandbServer & {
      readonly status: "found";
      readonly kind: "identity-token";
      /** Absolute, as the SDK makes it. */
      readonly tokenFile: string;
      readonly source: "WANDB_IDENTITY_TOKEN_FILE";
      readonly warnings: string[];
    })
  | (WandbServer & { readonly status: "missing"; readonly reason: string; readonly warnings: string[] })
  | {
      readonly status: "invalid";
      readonly reason: string;
      readonly baseUrl?: string;
      readonly host?: string;
      readonly warnings: string[];
    };

/**
 * Finds the W&B credentials a job would use, exactly as the W&B SDK resolves them without a prompt: server URL
 * (env.toml → `WANDB_BASE_URL` → settings files → default), then `WANDB_API_KEY` / `WANDB_IDENTITY_TOKEN_FILE`,
 * then the `env_file`'s `WANDB_API_KEY` (slipway injects it, so the SDK sees it as `WANDB_API_KEY`; the environment
 * wins, as dotenv never overrides a variable that is set), then the netrc file (`$NETRC`, else `~/.netrc`, else
 * `~/_netrc`) entry for the URL's `host[:port]` or `default`, then a settings file's `api_key`. Synchronous and never
 * throws.
 *
 * @example
 * ```ts
 * const d = detectWandbKey({ env: { WANDB_BASE_URL: "http://localhost:8080" }, homeDir: "/home/u", cwd: "/work" });
 * // reads /home/u/.netrc's "machine localhost:8080" entry
 * ```
 */
export function detectWandbKey(options: DetectWandbKeyOptions): WandbKeyDetection {
  const warnings: string[] = [];
  try {
    return detect(options, options.fs ?? nodeDetectFs, warnings);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const what = typeof code === "string" ? code : error instanceof Error ? error.name : "unknown error";
    return { status: "invalid", reason: `could not look for W&B credentials: ${what}`, warnings };
  }
}

function detect(options: DetectWandbKeyOptions, fs: DetectFs, warnings: string[]): WandbKeyDetection {
  const { env, homeDir, cwd } = options;
  const envKey = env["WANDB_API_KEY"];
  const tokenFile = env["WANDB_IDENTITY_TOKEN_FILE"];
  const base = resolveWandbBaseUrl({ env, homeDir, cwd, configBaseUrl: options.configBaseUrl, fs });
  warnings.push(...base.warnings);
  const server = base.ok ? { baseUrl: base.url, host: base.host, baseUrlSource: base.source } : undefined;
  const invalid = (reason: string): WandbKeyDetection => ({
    status: "invalid",
    reason,
    ...(server && { baseUrl: server.baseUrl, host: server.host }),
    warnings,
  });

  // The SDK checks these while loading its settings, before it looks for credentials at all.
  if (envKey !== undefined && hasEdgeWhitespace(envKey))
    return invalid("WANDB_API_KEY has leading or trailing whitespace");
  if (!base.ok) return invalid(base.reason);
  const { upstreamHost, settingsApiKey } = base;
  const context = { baseUrl: base.url, host: base.host, baseUrlSource: base.source, warnings };

  if (envKey && tokenFile)
    return invalid("both WANDB_API_KEY and WANDB_IDENTITY_TOKEN_FILE are set; unset one");
  const fileKey = options.envFileKey;
  if (envKey) {
    const problem = validateApiKey(envKey);
    if (problem !== undefined) return invalid(`WANDB_API_KEY is not a valid API key: ${problem}`);
    if (fileKey !== undefined && fileKey.key.reveal() !== envKey)
      warnings.push(`the WANDB_API_KEY in ${fileKey.path} is not used: the environment's WANDB_API_KEY wins`);
    return { status: "found", kind: "api-key", key: new Secret(envKey), source: "WANDB_API_KEY", ...context };
  }
  if (tokenFile) {
    if (fileKey !== undefined)
      warnings.push(`the WANDB_API_KEY in ${fileKey.path} is not used: WANDB_IDENTITY_TOKEN_FILE is set`);
    const kind = { status: "found", kind: "identity-token", source: "WANDB_IDENTITY_TOKEN_FILE" } as const;
    return { ...kind, tokenFile: resolve(cwd, tokenFile), ...context };
  }
  if (fileKey !== undefined) {
    const problem = validateApiKey(fileKey.key.reveal());
    if (problem !== undefined)
      return invalid(`the WANDB_API_KEY in ${fileKey.path} is not a valid API key: ${problem}`);
    const found = { status: "found", kind: "api-key", source: "env-file" } as const;
    return { ...found, key: fileKey.key, envFilePath: fileKey.path, ...context };
  }

  const netrc = readNetrcEntry(options, fs, base.host, upstreamHost, warnings);
  if ("fatal" in netrc) return invalid(netrc.fatal);
  if ("key" in netrc) {
    const subject = `the netrc entry "${netrc.machine}" in ${netrc.path}`;
    const problem = validateApiKey(netrc.key.reveal());
    if (problem !== undefined) return invalid(`${subject} has an invalid API key: ${problem}`);
    const { key, path, machine } = netrc;
    return { status: "found", kind: "api-key", key, source: "netrc", netrcPath: path, machine, ...context };
  }

  // The SDK's last resort: `api_key` from a settings file, unless WANDB_API_KEY (even empty) overrode it.
  const fromSettings = envKey === undefined ? settingsApiKey : undefined;
  if (fromSettings && fromSettings.key.reveal() !== "") {
    const problem = validateApiKey(fromSettings.key.reveal());
    if (problem !== undefined) {
      return invalid(
        `the api_key in the W&B settings file ${fromSettings.path} is not a valid API key: ${problem}`,
      );
    }
    const { key, path } = fromSettings;
    return { status: "found", kind: "api-key", key, source: "settings", settingsPath: path, ...context };
  }

  const envPart = envKey === "" ? "WANDB_API_KEY is empty" : "WANDB_API_KEY is unset";
  const login = base.source === "env.toml" ? `wandb login --host ${base.url}` : "wandb login";
  return {
    status: "missing",
    reason: `no API key: ${envPart} and ${netrc.why} (run "${login}")`,
    ...context,
  };
}

type NetrcLookup =
  | { readonly key: Secret; readonly path: string; readonly machine: string }
  | { readonly why: string }
  | { readonly fatal: string };

/** The netrc entry the SDK would take for the server, or why there is none (the SDK only warns on bad files). */
function readNetrcEntry(
  options: DetectWandbKeyOptions,
  fs: DetectFs,
  host: string,
  upstreamHost: string | undefined,
  warnings: string[],
): NetrcLookup {
  const path = netrcPath(options, fs);
  if (!fs.exists(path)) {
    return {
      why: options.env["NETRC"] ? `NETRC names ${path}, which does not exist` : `there is no ${path}`,
    };
  }
  const unreadable = { why: `${path} could not be read` };
  if (fs.isDirectory(path)) {
    warnings.push(`failed to read netrc file at ${path}: it is a directory`);
    return unreadable;
  }
  let text: string;
  try {
    text = fs.readFile(path);
  } catch (error) {
    // Python's netrc retries other encodings only via the locale, which is UTF-8 in practice: the SDK then crashes.
    if (isNotUtf8(error)) return { fatal: `the netrc file ${path} is not valid UTF-8` };
    const code = (error as { code?: unknown } | null)?.code;
    warnings.push(`failed to read netrc file at ${path}: ${typeof code === "string" ? code : "read error"}`);
    return unreadable;
  }
  let file;
  try {
    file = parseNetrc(text);
  } catch (error) {
    if (!(error instanceof NetrcParseError)) throw error;
    warnings.push(`failed to read netrc file at ${path}: ${error.message}`);
    return unreadable;
  }
  if (host === "") return { why: "the server URL has no host to look up in a netrc file" };
  let entry = authenticators(file, host);
  let machine = file.hosts.has(host) ? host : "default";
  // For a Forge URL the SDK also accepts the upstream host's entry (only reached when there is no `default`).
  if (!entry && upstreamHost !== undefined) {
    entry = authenticators(file, upstreamHost);
    machine = upstreamHost;
  }
  if (!entry) return { why: `${path} has no entry for ${host}${upstreamHost ? ` or ${upstreamHost}` : ""}` };
  if (entry.password.reveal() === "") {
    warnings.push(`the netrc entry "${machine}" in ${path} has no password; the W&B SDK ignores it`);
    return { why: `the netrc entry "${machine}" in ${path} has no password` };
  }
  return { key: entry.password, path, machine };
}

/** The SDK's netrc file choice: `$NETRC` (even if missing), else `~/.netrc`, else `~/_netrc`, else the OS default. */
function netrcPath(options: DetectWandbKeyOptions, fs: DetectFs): string {
  const fromEnv = options.env["NETRC"];
  if (fromEnv) return resolve(options.cwd, expandUser(fromEnv, options.homeDir));
  const unix = join(options.homeDir, ".netrc");
  const windows = join(options.homeDir, "_netrc");
  if (fs.exists(unix)) return unix;
  if (fs.exists(windows)) return windows;
  return process.platform === "win32" ? windows : unix;
}
