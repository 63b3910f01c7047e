import type ssh2 from "ssh2";

let loading: Promise<typeof ssh2> | undefined;

/**
 * The ssh2 library, imported on first use: it is large, and most commands (a dry run, `list`, a local launch) never
 * open an SSH connection.
 *
 * @example
 * ```ts
 * const { Client } = await loadSsh2();
 * ```
 */
export function loadSsh2(): Promise<typeof ssh2> {
  loading ??= import("ssh2").then((module) => module.default);
  return loading;
}
