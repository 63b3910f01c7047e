import { readdirSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { ConfigError } from "../../errors.ts";
import type { ChannelQueueStats } from "./channel-queue.ts";
import { PooledSshTransport } from "./pooled-ssh-transport.ts";
import { resolveSshRoute, type SshTarget, type TransportContext } from "./ssh-route.ts";
import type { SlurmTransport } from "./transport.ts";

export type { SshTarget, TransportContext } from "./ssh-route.ts";

export { MAX_CHANNELS } from "./pooled-ssh-transport.ts";

/** Counters of a pooled SSH transport, for tests and diagnostics. */
export interface SshTransportStats {
  /** Connections established to the target so far (more than 1 after reconnects). */
  readonly connects: number;
  /** Whether a connection is up now. */
  readonly connected: boolean;
  /** Exec and SFTP channels: open now, the most ever open at once, opened in total, callers waiting. */
  readonly channels: ChannelQueueStats;
}

/** A {@link SlurmTransport} over SSH, with its counters. */
export interface SshTransport extends SlurmTransport {
  stats(): SshTransportStats;
}

const pool = new Map<string, PooledSshTransport>();

/**
 * The transport to a Slurm login node over SSH, from a process-wide pool: every job and launch in the process shares
 * one connection per resolved route (user, host, port, jump hosts, keys, known_hosts, policy). It connects on first
 * use (concurrent first calls share one attempt), reconnects on the call after a drop, runs at most
 * 10 (OpenSSH's default MaxSessions) channels at once (one of them a long-lived SFTP channel for files and `home()`; the rest wait
 * in FIFO order), and lets the process exit while idle. `target.host` may be a `~/.ssh/config` alias; the config is
 * read here, synchronously, so a broken one throws `CONFIG_SYNTAX` at once. Connection failures are
 * `ENGINE_UNREACHABLE` errors naming `user@host:port`; see connectRoute.
 *
 * @example
 * ```ts
 * const transport = sshTransport(
 *   { host: "hpc", user: undefined, port: undefined, identity: undefined, jump: undefined, hostKeyPolicy: "strict" },
 *   { env: process.env, homeDir: os.homedir() },
 * );
 * const { stdout } = await transport.run("sinfo -h -o %n");
 * ```
 */
export function sshTransport(target: SshTarget, context: TransportContext): SshTransport {
  const route = resolveSshRoute(target, context, {
    localUser: localUser(context.env),
    readFile: readTextIfExists,
    listDir: (path) => {
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
  });
  let transport = pool.get(route.key);
  if (transport === undefined) {
    transport = new PooledSshTransport(route, target.hostKeyPolicy, context, (closed) => {
      if (pool.get(route.key) === closed) pool.delete(route.key);
    });
    pool.set(route.key, transport);
  }
  return transport;
}

/**
 * Closes every pooled SSH transport (for tests, and for a CLI that wants to end its connections explicitly).
 *
 * @example
 * ```ts
 * afterEach(() => { closeAllTransports(); });
 * ```
 */
export function closeAllTransports(): void {
  for (const transport of [...pool.values()]) transport.close();
}

function localUser(env: TransportContext["env"]): string {
  const fromEnv = env["USER"] ?? env["LOGNAME"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return "root";
  }
}

function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ConfigError("CONFIG_READ", `cannot read ${path}: ${String(code ?? error)}`, {
      file: path,
      hint: "make the file readable, or remove it",
      cause: error,
    });
  }
}
