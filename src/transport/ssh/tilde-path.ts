import { sep } from "node:path";

/**
 * `path` for messages: under `homeDir` it starts with `~/` (shorter, and the same on every machine).
 *
 * @example
 * ```ts
 * tildePath("/home/alice/.ssh/id_ed25519", "/home/alice"); // "~/.ssh/id_ed25519"
 * ```
 */
export function tildePath(path: string, homeDir: string): string {
  const home = homeDir.endsWith(sep) ? homeDir.slice(0, -1) : homeDir;
  if (home === "" || !path.startsWith(home + sep)) return path;
  return `~${path.slice(home.length)}`;
}
