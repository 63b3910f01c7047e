import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "dotenv";
import type { EnvFileRef } from "../config/types.ts";
import { ConfigError } from "../errors.ts";
import { Secret } from "../secret.ts";
import { looksSecret } from "../secret-values.ts";
import { expandUser } from "./expand-user.ts";

/**
 * The file access {@link readEnvFiles} needs; tests pass a fake. Throws like `node:fs` (`code` `ENOENT`, `EACCES`,
 * `EISDIR`, …); `ENOTFILE` for a FIFO, socket or device.
 *
 * @example
 * ```ts
 * const fs: EnvFileFs = { read: () => ({ bytes: Buffer.from("A=1\n"), mode: 0o600 }) };
 * ```
 */
export interface EnvFileFs {
  /** The file's bytes and its permission bits (`mode & 0o777`). */
  read(path: string): { readonly bytes: Uint8Array; readonly mode: number };
}

/**
 * The default {@link EnvFileFs}: synchronous `node:fs`, refusing anything but a regular file (a FIFO would block).
 *
 * @example
 * ```ts
 * readEnvFiles(refs, { homeDir, fs: nodeEnvFileFs });
 * ```
 */
export const nodeEnvFileFs: EnvFileFs = {
  read(path) {
    // Non-blocking, so that opening a FIFO with no writer returns at once instead of waiting for one.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stats = fstatSync(fd);
      if (stats.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      if (!stats.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTFILE" });
      return { bytes: readFileSync(fd), mode: stats.mode & 0o777 };
    } finally {
      closeSync(fd);
    }
  },
};

/** Inputs of {@link readEnvFiles}. */
export interface ReadEnvFilesOptions {
  /** Stands for `~` in `env_file` paths. */
  readonly homeDir: string;
  /** Defaults to {@link nodeEnvFileFs}. */
  readonly fs?: EnvFileFs | undefined;
}

/**
 * What the `env_file` files of a launch hold: every variable for the job's environment and the W&B key.
 *
 * @example
 * ```ts
 * const files: EnvFiles = readEnvFiles([wandb.envFile, profile.envFile], { homeDir });
 * files.apiKey?.path; // "/repo/.env"
 * ```
 */
export interface EnvFiles {
  /** Variables of every file, a later file winning; `WANDB_API_KEY` is left out (it is {@link EnvFiles.apiKey}). */
  readonly vars: Readonly<Record<string, string>>;
  /** The last non-empty `WANDB_API_KEY` and the file holding it: a candidate for key detection, not a job variable. */
  readonly apiKey: { readonly key: Secret; readonly path: string } | undefined;
  /** Warnings for the user (a world-readable file holding secrets); never a value. */
  readonly notices: readonly string[];
}

/** The variable key detection takes from the files; every other variable goes to the job as it is. */
const KEY_NAME = "WANDB_API_KEY";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads the `env_file` files of a launch (`undefined` entries skipped, later entries winning) with dotenv's grammar:
 * `KEY=value`, `export KEY=value`, `#` comments, single, double (with `\n` escapes) and backtick quotes, multi-line
 * quoted values, no `$VAR` expansion. A relative path is relative to the env.toml that names it; `~/` is the home
 * directory. A file that holds a secret-looking variable and is readable by every user gives a notice.
 *
 * @throws ConfigError `CONFIG_READ` when a file is missing, unreadable or not UTF-8; `CONFIG_SCHEMA` for a variable
 * name no environment can hold or a value with a NUL. Messages name the file, the key that named it and variable
 * names, never a value.
 * @example
 * ```ts
 * // /repo/.env: WANDB_API_KEY=…\nHF_HOME=/cache/hf
 * const files = readEnvFiles([{ path: ".env", configFile: "/repo/env.toml", setBy: "gpu.env_file" }], { homeDir });
 * files.vars; // { HF_HOME: "/cache/hf" }
 * `${files.apiKey?.key}`; // "***"
 * ```
 */
export function readEnvFiles(
  refs: readonly (EnvFileRef | undefined)[],
  options: ReadEnvFilesOptions,
): EnvFiles {
  const fs = options.fs ?? nodeEnvFileFs;
  const vars: Record<string, string> = {};
  const notices: string[] = [];
  let apiKey: EnvFiles["apiKey"];
  const seen = new Set<string>();
  for (const ref of refs) {
    if (ref === undefined) continue;
    const path = resolve(dirname(ref.configFile), expandUser(ref.path, options.homeDir));
    if (seen.has(path)) continue;
    seen.add(path);
    const { values, mode } = readOne(ref, path, fs);
    for (const [name, value] of Object.entries(values)) {
      if (name !== KEY_NAME) vars[name] = value;
      else if (value !== "") apiKey = { key: new Secret(value), path };
    }
    const secrets = Object.keys(values).filter((name) => looksSecret(name) && values[name] !== "");
    if (process.platform !== "win32" && (mode & 0o004) !== 0 && secrets.length > 0) {
      notices.push(
        `${path} holds ${secrets.join(", ")} and is readable by every user (mode ${mode.toString(8)}); run chmod 600 ${path}`,
      );
    }
  }
  return { vars, apiKey, notices };
}

function readOne(
  ref: EnvFileRef,
  path: string,
  fs: EnvFileFs,
): { values: Record<string, string>; mode: number } {
  const fail = (code: "CONFIG_READ" | "CONFIG_SCHEMA", problem: string, hint: string, cause?: unknown) =>
    new ConfigError(code, `env file ${path} ${problem} (named by ${ref.setBy} in ${ref.configFile})`, {
      file: ref.configFile,
      issues: [{ path: ref.setBy, message: `${path} ${problem}` }],
      hint,
      cause,
    });
  const orRemove = `or remove ${ref.setBy} from ${ref.configFile}`;
  let file;
  try {
    file = fs.read(path);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ENOENT" || code === "ENOTDIR")
      throw fail("CONFIG_READ", "does not exist", `create it, ${orRemove}`, error);
    throw fail("CONFIG_READ", `cannot be read: ${why(code)}`, `make it a readable file, ${orRemove}`, error);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(file.bytes);
  } catch (error) {
    throw fail("CONFIG_READ", "is not valid UTF-8", "save it as UTF-8", error);
  }
  const values = parse(text);
  const badNames = Object.keys(values).filter((name) => !ENV_NAME.test(name));
  if (badNames.length > 0) {
    const list = badNames.map((name) => JSON.stringify(name)).join(", ");
    const what = badNames.length === 1 ? "is not a valid variable name" : "are not valid variable names";
    throw fail(
      "CONFIG_SCHEMA",
      `sets ${list}, which ${what} (letters, digits and _, not starting with a digit)`,
      `rename or remove ${badNames.length === 1 ? "it" : "them"}`,
    );
  }
  const withNul = Object.keys(values).filter((name) => values[name]?.includes("\0") === true);
  if (withNul.length > 0) {
    throw fail(
      "CONFIG_SCHEMA",
      `has a NUL character in the value of ${withNul.join(", ")}, which no process environment can hold`,
      "remove it",
    );
  }
  return { values, mode: file.mode };
}

function why(code: unknown): string {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ENOTFILE":
      return "it is not a regular file";
    default:
      return typeof code === "string" ? code : "read error";
  }
}
