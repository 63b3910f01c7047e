import { localTransport } from "./local-transport.ts";
import type { SlurmTarget } from "./settings.ts";
import { sshTransport } from "./ssh-transport.ts";
import type { SlurmTransport } from "./transport.ts";

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
  if (target.tunnel === "local") return localTransport(context.env, context.homeDir);
  return sshTransport(
    {
      host: target.host,
      user: target.user,
      port: target.port,
      identity: target.identity,
      jump: target.jump,
      hostKeyPolicy: target.hostKeyPolicy,
    },
    context,
  );
}
