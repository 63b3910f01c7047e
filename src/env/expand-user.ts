/**
 * Python's `os.path.expanduser` for `~` and `~/…`, with `homeDir` as `$HOME` (another user's `~name` is left as is).
 *
 * @example
 * ```ts
 * expandUser("~/.netrc", "/home/u"); // "/home/u/.netrc"
 * ```
 */
export function expandUser(path: string, homeDir: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  return homeDir.replace(/\/+$/, "") + path.slice(1) || "/";
}
