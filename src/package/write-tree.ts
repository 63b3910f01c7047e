import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CodeEntry } from "./code-package.ts";

/**
 * Writes a shipped tree into `dir` (created, 0700): each file with its permission bits, each symlink as it was.
 * A later edit of the launch directory no longer changes what the job runs.
 *
 * @example
 * ```ts
 * writeTree(code.entries, join(files.dir, "code"));
 * ```
 */
export function writeTree(entries: readonly CodeEntry[], dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const entry of entries) {
    const path = join(dir, entry.path);
    mkdirSync(dirname(path), { recursive: true });
    if (entry.kind === "symlink") symlinkSync(entry.data.toString("utf8"), path);
    else {
      writeFileSync(path, entry.data, { mode: entry.mode });
      chmodSync(path, entry.mode);
    }
  }
}
