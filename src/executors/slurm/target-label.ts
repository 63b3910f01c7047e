import type { SlurmTarget } from "../../config/types.ts";

/**
 * How a target reads in messages and in the job store: `user@host:port`, `host` when only that is known (with
 * ` via <jump>` for a jump host), or `local`. Dependencies compare it to tell whether two jobs share a cluster.
 *
 * @example
 * ```ts
 * targetLabel({ tunnel: "ssh", host: "login1", user: "me", port: 2222, identity: undefined, jump: undefined, hostKeyPolicy: "strict" }); // "me@login1:2222"
 * ```
 */
export function targetLabel(target: SlurmTarget): string {
  if (target.tunnel === "local") return "local";
  const user = target.user === undefined ? "" : `${target.user}@`;
  const port = target.port === undefined ? "" : `:${target.port}`;
  const jump = target.jump === undefined ? "" : ` via ${target.jump}`;
  return `${user}${target.host}${port}${jump}`;
}
