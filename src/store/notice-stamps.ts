import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JobStore } from "./job-store.ts";

/**
 * Whether a notice keyed by `key` (e.g. "no-key /repo/env.toml") is due: true the first time on each local day,
 * recorded in `$SLIPWAY_HOME/notices/` (0700, one small file per key). A store that cannot be written says true, so
 * a notice is never lost to a permission problem.
 *
 * @example
 * ```ts
 * if (firstToday(store, `no-key ${file}`, new Date())) console.warn(notice);
 * ```
 */
export function firstToday(store: JobStore, key: string, now: Date): boolean {
  const dir = join(store.root, "notices");
  const file = join(dir, fileNameOf(key));
  const today = `${now.getFullYear()}-${now.getMonth() + 1}-${now.getDate()}`;
  try {
    if (readFileSync(file, "utf8").trim() === today) return false;
  } catch {
    // Not said yet.
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${today}\n`, { mode: 0o600 });
  } catch {
    // Say it anyway.
  }
  return true;
}

// 16 hex digits naming a key's stamp: two FNV-1a hashes of its UTF-16 code units with different offsets. Stable and
// spread enough for a handful of keys, and no node:crypto to load (~3 ms of a dry run) for a file name.
function fileNameOf(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193) >>> 0;
    b = Math.imul(b ^ unit, 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}
