import { isAbsolute, join } from "node:path";
import { globMatch } from "./host-patterns.ts";
import type { SshConfigIo } from "./ssh-config-io.ts";

/**
 * The files an `Include` argument names: `~` expanded, relative to `~/.ssh`, `*` and `?` globbed in any path
 * component (a leading dot only matched explicitly, as glob(3)), in sorted order; files that do not exist are the
 * caller's to skip.
 *
 * @example
 * ```ts
 * includedFiles("config.d/*.conf", io); // ["/home/alice/.ssh/config.d/a.conf", "/home/alice/.ssh/config.d/b.conf"]
 * ```
 */
export function includedFiles(pattern: string, io: Pick<SshConfigIo, "homeDir" | "listDir">): string[] {
  const expanded = expandTilde(pattern, io.homeDir);
  const path = isAbsolute(expanded) ? expanded : join(io.homeDir, ".ssh", expanded);
  let found = ["/"];
  for (const part of path.split("/").filter((p) => p !== "")) {
    found = !/[*?]/.test(part)
      ? found.map((base) => join(base, part))
      : found.flatMap((base) =>
          io
            .listDir(base)
            // As glob(3): a leading dot must be matched explicitly.
            .filter((name) => (!name.startsWith(".") || part.startsWith(".")) && globMatch(part, name))
            .map((name) => join(base, name)),
        );
  }
  return found.sort();
}

/**
 * `~` and `~/…` as `homeDir` (`~user` is left alone).
 *
 * @example
 * ```ts
 * expandTilde("~/.ssh/id_ed25519", "/home/alice"); // "/home/alice/.ssh/id_ed25519"
 * ```
 */
export function expandTilde(path: string, homeDir: string): string {
  if (path === "~") return homeDir;
  return path.startsWith("~/") ? join(homeDir, path.slice(2)) : path;
}
