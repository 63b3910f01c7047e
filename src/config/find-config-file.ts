import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import type { EnvSource } from "./interpolate.ts";

/** The file name looked for when walking up from the working directory. */
export const CONFIG_FILE_NAME = "env.toml";

/** Where a config file path came from; explicit sources make a missing file an error naming that source. */
export type ConfigSource = "option" | "env" | "search";

/** Inputs of {@link findConfigFile}. */
export interface FindConfigFileOptions {
  /** Directory the search starts from, and relative explicit paths are resolved against. */
  readonly cwd: string;
  /** Environment holding `SLIPWAY_CONFIG`. */
  readonly env: EnvSource;
  /** An explicit path (`--config`); wins over everything else. */
  readonly configPath?: string | undefined;
  /** Whether a path is an existing regular file; injectable for tests. */
  readonly isFile?: ((path: string) => boolean) | undefined;
  /** Whether a path exists at all (`.git` may be a file in worktrees); injectable for tests. */
  readonly exists?: ((path: string) => boolean) | undefined;
}

/** A config file to read, absolute, and how it was chosen. */
export interface FoundConfigFile {
  readonly path: string;
  readonly source: ConfigSource;
}

/**
 * Picks the config file: `configPath` (`--config`), else `SLIPWAY_CONFIG`, else the first `env.toml` found walking up
 * from `cwd`, stopping at the repository root (a directory holding `.git`) or the filesystem root. Explicit paths are
 * returned without touching the disk: reading them reports a missing file, which saves a `stat` on the CLI's hot path.
 *
 * @throws ConfigError `CONFIG_NOT_FOUND` when the walk finds nothing; the message lists where it looked.
 * @example
 * ```ts
 * const { path } = findConfigFile({ cwd: process.cwd(), env: process.env });
 * ```
 */
export function findConfigFile(options: FindConfigFileOptions): FoundConfigFile {
  if (options.configPath !== undefined && options.configPath !== "") {
    return { path: resolve(options.cwd, options.configPath), source: "option" };
  }
  const fromEnv = options.env["SLIPWAY_CONFIG"];
  if (fromEnv !== undefined && fromEnv !== "") return { path: resolve(options.cwd, fromEnv), source: "env" };

  const isFile = options.isFile ?? ((p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() === true);
  const exists = options.exists ?? ((p: string) => statSync(p, { throwIfNoEntry: false }) !== undefined);
  const looked: string[] = [];
  let stop = "the filesystem root";
  for (let dir = resolve(options.cwd); ;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    looked.push(dir);
    if (isFile(candidate)) return { path: candidate, source: "search" };
    if (exists(join(dir, ".git"))) {
      stop = "the repository root";
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const lines = looked.map((dir) => `  ${dir}`);
  throw new ConfigError(
    "CONFIG_NOT_FOUND",
    [`no ${CONFIG_FILE_NAME} found; looked in (up to ${stop}):`, ...lines].join("\n"),
    {
      file: join(resolve(options.cwd), CONFIG_FILE_NAME),
      hint: "create one at the repository root: cp env.toml.example env.toml (or pass --config <file>, or set SLIPWAY_CONFIG)",
    },
  );
}

/**
 * The `CONFIG_NOT_FOUND` error for an explicitly given path (`--config` or `SLIPWAY_CONFIG`) that does not exist.
 *
 * @example
 * ```ts
 * throw missingConfigFile("/repo/dev.toml", "option");
 * // /repo/dev.toml: config file not found (given by --config)
 * ```
 */
export function missingConfigFile(path: string, source: Exclude<ConfigSource, "search">): ConfigError {
  const by = source === "option" ? "--config" : "SLIPWAY_CONFIG";
  return new ConfigError("CONFIG_NOT_FOUND", `${path}: config file not found (given by ${by})`, {
    file: path,
    hint: `check the path given by ${by}, or create the file: cp env.toml.example ${path}`,
  });
}
