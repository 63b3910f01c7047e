import { existsSync, readFileSync, statSync } from "node:fs";

/**
 * The file access detection needs; tests pass a fake, production passes `node:fs` (`nodeDetectFs`).
 *
 * @example
 * ```ts
 * const fs: DetectFs = { readFile: (p) => files[p] ?? "", isDirectory: () => false, exists: (p) => p in files };
 * ```
 */
export interface DetectFs {
  /** The file's text, decoded as UTF-8; throw with `code` `ERR_ENCODING_INVALID_ENCODED_DATA` when it is not. */
  readFile(path: string): string;
  isDirectory(path: string): boolean;
  /** Like Python's `Path.exists()`: any kind of file, following symlinks. */
  exists(path: string): boolean;
}

/**
 * The default {@link DetectFs}: synchronous `node:fs`, decoding like Python's strict `utf-8` (a BOM is kept as text).
 *
 * @example
 * ```ts
 * resolveWandbBaseUrl({ env: process.env, homeDir, cwd, fs: nodeDetectFs });
 * ```
 */
export const nodeDetectFs: DetectFs = {
  // fatal: the SDK fails on undecodable files; ignoreBOM: Python's "utf-8" keeps a BOM as text.
  readFile: (path) => new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(readFileSync(path)),
  isDirectory: (path) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  exists: (path) => existsSync(path),
};

/**
 * Whether `error` is a decoding failure from {@link DetectFs.readFile}: the SDK crashes on such files.
 *
 * @example
 * ```ts
 * try { fs.readFile(path); } catch (e) { if (isNotUtf8(e)) console.error(`${path} is not UTF-8`); }
 * ```
 */
export function isNotUtf8(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ERR_ENCODING_INVALID_ENCODED_DATA";
}
