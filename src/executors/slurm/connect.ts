import type { SlurmTarget } from "../../config/types.ts";
import type { CommandRunner } from "../../transport/command-runner.ts";
import type { Connections } from "../../transport/connections.ts";
import type { TransportContext } from "../../transport/ssh/ssh-route.ts";

/**
 * The runner for a target, from `connections`: the shared SSH connection to its login node, or this machine for
 * `tunnel = "local"` (one per home, like the SSH pool, so every job's status joins the same batched squeue).
 *
 * @example
 * ```ts
 * const runner = transportFor(profile.settings.target, context.connections, { env: context.env, homeDir: context.homeDir });
 * ```
 */
export function transportFor(
  target: SlurmTarget,
  connections: Connections,
  context: TransportContext,
): CommandRunner {
  return target.tunnel === "local" ? connections.local(context) : connections.ssh(target, context);
}
