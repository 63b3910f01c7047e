import { basename } from "node:path";
import { parse, TomlError } from "smol-toml";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import { checkProfiles } from "./check-profiles.ts";
import { checkTable } from "./check-table.ts";
import { formatPath, sortIssues } from "./config-issues.ts";
import { cachedParse } from "./parsed-config-cache.ts";
import { findConfigFile, missingConfigFile } from "./find-config-file.ts";
import type { EnvSource } from "./interpolate.ts";
import type { LoadedConfig } from "./loaded-config.ts";
import { readConfigFile } from "./read-config-file.ts";
import { isTable, tomlType } from "./toml-type.ts";
import { wandbSchema, type RawWandb } from "./wandb-schema.ts";

/** Inputs of {@link loadConfig}; everything it touches is passed in. */
export interface LoadConfigOptions {
  /** Directory the search for env.toml starts from. */
  readonly cwd: string;
  /** Environment holding `SLIPWAY_CONFIG` (`${env:…}` is resolved later, by `resolveProfile`). */
  readonly env: EnvSource;
  /** An explicit config file (`--config`). */
  readonly configPath?: string | undefined;
  /** Reads a file as UTF-8 (by default refusing FIFOs, devices and directories); injectable for tests. */
  readonly readFile?: ((path: string) => string) | undefined;
  /**
   * Where the bundled CLI keeps what it parsed, to skip validating an unchanged file again (`cachedParse`); the
   * library and the sources never do.
   */
  readonly cacheDir?: string | undefined;
}

/**
 * Finds, reads, parses and validates env.toml (see `findConfigFile` for the search). Every problem is reported at
 * once; `${env:…}` references are only checked for syntax here, and resolved by `resolveProfile`.
 *
 * @throws ConfigError `CONFIG_NOT_FOUND`, `CONFIG_READ`, `CONFIG_SYNTAX` (with line and column) or `CONFIG_SCHEMA`
 * (with every issue, sorted by path).
 * @example
 * ```ts
 * const config = loadConfig({ cwd: process.cwd(), env: process.env, configPath: opts.config });
 * const profile = resolveProfile(config, "gpu0", process.env);
 * ```
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const { path, source } = findConfigFile(options);
  const read = options.readFile ?? readConfigFile;
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ENOENT" && source !== "search") throw missingConfigFile(path, source);
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError("CONFIG_READ", `${path}: cannot read the config file: ${reason}`, {
      file: path,
      cause: error,
    });
  }
  return cachedParse(text, path, options.cacheDir, parseConfig);
}

/**
 * Parses and validates the text of an env.toml; `file` names it in messages. {@link loadConfig} without the disk.
 *
 * @example
 * ```ts
 * const config = parseConfig('[local]\nexecutor = "local"\n', "/repo/env.toml");
 * ```
 */
export function parseConfig(text: string, file: string): LoadedConfig {
  let doc: Record<string, unknown>;
  try {
    // A BOM is legal in UTF-8 files written by some editors but not in TOML.
    doc = parse(text.replace(/^\uFEFF/, ""), { unsafeKeyBehaviour: "throw" });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.replace(/^Invalid TOML document: /, "").split("\n")[0] ?? "";
    const hint = reason.includes("unsafe property")
      ? "keys named __proto__ or constructor are not allowed"
      : undefined;
    const message = `${file}:${error.line}:${error.column}: ${reason}\n${error.codeblock.trimEnd()}`;
    const { line, column } = error;
    throw new ConfigError("CONFIG_SYNTAX", message, { file, line, column, hint, cause: error });
  }

  const issues: ConfigIssue[] = [];
  const tables = new Map<string, Record<string, unknown>>();
  let wandb: RawWandb = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!isTable(value)) {
      const expected = key === "wandb" ? "table" : "a profile table";
      issues.push({ path: formatPath([key]), message: `expected ${expected}, got ${tomlType(value)}` });
    } else if (key === "wandb") {
      const checked = checkTable(wandbSchema(), value, ["wandb"]);
      issues.push(...checked.issues);
      wandb = checked.data ?? {};
    } else tables.set(key, value);
  }

  const profiles = checkProfiles(tables, issues);
  if (issues.length > 0) {
    const sorted = sortIssues(issues);
    const count = `${sorted.length} problem${sorted.length === 1 ? "" : "s"} in ${basename(file)}`;
    const lines = sorted.map((i) => `  ${i.path}: ${i.message}`);
    throw new ConfigError("CONFIG_SCHEMA", [`${file}: ${count}`, ...lines].join("\n"), {
      file,
      issues: sorted,
    });
  }
  return { file, wandb, profiles };
}
