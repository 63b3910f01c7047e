import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JobStore } from "./job-store.ts";
import { shortHash } from "./short-hash.ts";

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
  const file = join(dir, shortHash(key));
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
