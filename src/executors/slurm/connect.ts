import { localTransport } from "./local-transport.ts";
import type { SlurmTarget } from "./settings.ts";
import { sshTransport } from "./ssh-transport.ts";
import type { SlurmTransport } from "./transport.ts";

const localTransports = new Map<string, SlurmTransport>();

/**
 * The transport for a target: the shared SSH connection to its login node, or this machine for `tunnel = "local"`.
 *
 * @example
 * ```ts
 * const transport = transportFor(slurmSettings(profile).target, { env: process.env, homeDir: homedir() });
 * ```
 */
export function transportFor(
  target: SlurmTarget,
  context: { readonly env: Readonly<Record<string, string | undefined>>; readonly homeDir: string },
): SlurmTransport {
  if (target.tunnel === "local") {
    // One per home, like the SSH pool, so every job's status joins the same batched squeue.
    let local = localTransports.get(context.homeDir);
    if (local === undefined) {
      local = localTransport(context.env, context.homeDir);
      localTransports.set(context.homeDir, local);
    }
    return local;
  }
  return sshTransport(target, context);
}
