import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { defaultConnections } from "../../src/transport/connections.ts";
import type { SshRunner } from "../../src/transport/ssh/ssh-runner.ts";
import type { SlurmClusterAccess } from "./engine.ts";
import { makeSandbox, type Sandbox } from "./sandbox.ts";
import { CANARY_KEY } from "./temp-dir.ts";

/**
 * A launching machine for the Slurm test cluster: the canary as its W&B key, a `cluster` profile reaching the login
 * node (`settings` added to or replacing the defaults), `extraToml` after it, and a HOME whose known_hosts has the
 * cluster's host keys unless `knownHosts` is false.
 */
export function clusterSandbox(
  dir: string,
  access: SlurmClusterAccess,
  settings: Record<string, string | number> = {},
  options: { readonly knownHosts?: boolean; readonly extraToml?: string } = {},
): Sandbox {
  const { host, port, user, identity } = access;
  const merged = { host, port, user, identity, partition: "debug", ...settings };
  const lines = Object.entries(merged).map(
    ([k, v]) => `${k} = ${typeof v === "number" ? v : JSON.stringify(v)}`,
  );
  const toml = `[wandb]\nproject = "slurm-e2e"\nentity = "team"\n\n[cluster]\nexecutor = "slurm"\n${lines.join("\n")}\n${options.extraToml ?? ""}`;
  const box = makeSandbox(dir, toml, { WANDB_API_KEY: CANARY_KEY });
  mkdirSync(join(box.home, ".ssh"), { mode: 0o700 });
  if (options.knownHosts !== false) copyFileSync(access.knownHosts, join(box.home, ".ssh", "known_hosts"));
  return box;
}

/**
 * The sandbox's SSH connection to the login node, for checks on the cluster side: from the process-wide
 * connections, so the same one that `launch()` uses for this sandbox.
 */
export function loginTransport(access: SlurmClusterAccess, box: Sandbox, port = access.port): SshRunner {
  const { host, user, identity } = access;
  return defaultConnections().ssh(
    { host, port, user, identity, jump: undefined, hostKeyPolicy: "strict" },
    { env: box.env, homeDir: box.home },
  );
}
