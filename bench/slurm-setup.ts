// The Slurm benches' shared set-up: a `cluster` profile on the test cluster that submits held jobs (--hold, so none
// runs) and the process-wide SSH connection that launch() uses too, so baselines run over the same connection.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LaunchOptions } from "../src/index.ts";
import { defaultConnections, type Connections } from "../src/transport/connections.ts";

interface Access {
  host: string;
  port: number;
  user: string;
  identity: string;
  knownHosts: string;
  sshConfig: string;
}

export interface SlurmBench {
  readonly access: Access;
  readonly options: LaunchOptions & { readonly env: Record<string, string>; readonly homeDir: string };
  readonly connections: Connections;
  readonly jobDir: string;
  /** Runs a command on the login node over the open connection; throws when it fails. */
  readonly run: (command: string) => Promise<string>;
}

/** Sets up the `cluster` profile in `sandbox`; says why and returns undefined without the test cluster. */
export async function slurmBench(
  what: string,
  sandbox: string,
  env: Record<string, string>,
  home: string,
): Promise<SlurmBench | undefined> {
  const file = "/tmp/slipway-slurm/connection.json";
  if (!existsSync(file)) {
    console.log(`${what} bench skipped: no test cluster (bash scripts/slurm/start-cluster.sh)`);
    return undefined;
  }
  const access = JSON.parse(readFileSync(file, "utf8")) as Access;
  mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
  copyFileSync(access.knownHosts, join(home, ".ssh", "known_hosts"));
  const jobDir = "~/.slipway/bench-jobs";
  writeFileSync(
    join(sandbox, "env.toml"),
    `[wandb]\nproject = "bench"\n\n[cluster]\nexecutor = "slurm"\nhost = "${access.host}"\nport = ${access.port}\n` +
      `user = "${access.user}"\nidentity = "${access.identity}"\npartition = "debug"\n` +
      `remote_job_dir = "${jobDir}"\nsbatch_args = ["--hold"]\n`,
  );
  // A key of the SDK's shape, so every job ships its secrets file.
  const keyed = { ...env, WANDB_API_KEY: "0123456789abcdef".repeat(3) };
  const options = { profile: "cluster", cwd: sandbox, env: keyed, homeDir: home, onNotice: () => undefined };
  const connections = defaultConnections();
  const transport = connections.ssh(
    {
      host: access.host,
      port: access.port,
      user: access.user,
      identity: access.identity,
      jump: undefined,
      hostKeyPolicy: "strict",
    },
    { env: keyed, homeDir: home },
  );
  const run = async (command: string): Promise<string> => {
    const result = await transport.run(command);
    if (result.exitCode !== 0) throw new Error(`bench: ${command} failed: ${result.stderr}`);
    return result.stdout;
  };
  await run("true"); // the connection is open before anything is timed, as for the baselines
  return { access, options, connections, jobDir, run };
}

/** The time `body` took, in ms, and what it gave. */
export async function timed<T>(body: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await body();
  return [performance.now() - start, value];
}
