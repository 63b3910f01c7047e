import { SlipwayError } from "../errors.ts";
import type { CommandRunner } from "./command-runner.ts";
import { localRunner } from "./local-runner.ts";
import { PooledSshRunner } from "./ssh/pooled-ssh-runner.ts";
import { sshRouteFromFiles } from "./ssh/ssh-route-from-files.ts";
import type { SshRoute, SshTarget, TransportContext } from "./ssh/ssh-route.ts";
import type { SshRunner } from "./ssh/ssh-runner.ts";

/**
 * The connections a process (or one part of it) holds, and what closes them: one pooled SSH runner per resolved
 * route, shared by every caller, and one local runner per home directory. Runners connect on first use; `close()`
 * ends every one of them.
 *
 * @example
 * ```ts
 * const connections = new Connections();
 * try {
 *   const runner = connections.ssh(target, { env: process.env, homeDir: os.homedir() });
 *   console.log((await runner.run("hostname")).stdout);
 * } finally {
 *   await connections.close();
 * }
 * ```
 */
export class Connections {
  readonly #ssh = new Map<string, PooledSshRunner>();
  readonly #local = new Map<string, CommandRunner>();
  /** Runners closed, by their owner or by {@link close}, whose connections may still be ending. */
  readonly #ending = new Set<Promise<void>>();
  #closed: Promise<void> | undefined;
  /** Routes already resolved, per launching environment: ~/.ssh/config and known_hosts are read once per target. */
  readonly #routes = new WeakMap<TransportContext["env"], Map<string, SshRoute>>();

  /**
   * The runner for an SSH target: every caller with the same resolved route (user, host, port, jump hosts, keys,
   * known_hosts, host key policy, agent) shares one connection. It connects on first use (concurrent first calls
   * share one attempt), reconnects on the call after a drop, runs at most 10 (OpenSSH's default MaxSessions)
   * channels at once (one of them a long-lived SFTP channel for files and `home()`; the rest wait in FIFO order), and
   * lets the process exit while idle. `target.host` may be a `~/.ssh/config` alias; the config is read here,
   * synchronously, so a broken one throws `CONFIG_SYNTAX` at once. Connection failures are `ENGINE_UNREACHABLE`
   * errors naming `user@host:port`. A runner closed on its own is replaced by a new one on the next call.
   */
  ssh(target: SshTarget, context: TransportContext): SshRunner {
    this.#refuseClosed();
    const route = this.#route(target, context);
    let runner = this.#ssh.get(route.key);
    if (runner === undefined) {
      runner = new PooledSshRunner(route, target.hostKeyPolicy, context, (closed) => {
        if (this.#ssh.get(route.key) === closed) this.#ssh.delete(route.key);
        this.#remember(closed.closed());
      });
      this.#ssh.set(route.key, runner);
    }
    return runner;
  }

  /**
   * The runner for this machine with `context.homeDir` as home and working directory: one per home, created with
   * the first caller's `env`, so that every job's status joins the same batched query.
   */
  local(context: TransportContext): CommandRunner {
    this.#refuseClosed();
    let runner = this.#local.get(context.homeDir);
    if (runner === undefined) {
      runner = localRunner(context.env, context.homeDir);
      this.#local.set(context.homeDir, runner);
    }
    return runner;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Closes every runner this object gave out (their pending and later calls reject) and resolves once their
   * connections are closed. Later calls of {@link ssh} and {@link local} throw. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#closeAll();
    return this.#closed;
  }

  async #closeAll(): Promise<void> {
    for (const runner of [...this.#ssh.values()]) runner.close();
    for (const runner of this.#local.values()) runner.close();
    this.#local.clear();
    await Promise.all([...this.#ending]);
  }

  // Reattaching 200 jobs of one cluster must not read ~/.ssh/config 200 times.
  #route(target: SshTarget, context: TransportContext): SshRoute {
    let routes = this.#routes.get(context.env);
    if (routes === undefined) {
      routes = new Map();
      this.#routes.set(context.env, routes);
    }
    const key = JSON.stringify([context.homeDir, target]);
    let route = routes.get(key);
    if (route === undefined) {
      route = sshRouteFromFiles(target, context);
      routes.set(key, route);
    }
    return route;
  }

  #remember(ending: Promise<void>): void {
    this.#ending.add(ending);
    void ending.then(() => this.#ending.delete(ending));
  }

  #refuseClosed(): void {
    if (this.#closed !== undefined)
      throw new SlipwayError("ENGINE_UNREACHABLE", "these connections were closed", {
        hint: "use a new Connections object (defaultConnections() gives a fresh one)",
      });
  }
}

let shared: Connections | undefined;

/**
 * The process-wide {@link Connections}, created on first use (and again after it was closed): what lets many
 * concurrent launches in one process share one connection per cluster.
 *
 * @example
 * ```ts
 * const runner = defaultConnections().ssh(target, { env: process.env, homeDir: os.homedir() });
 * await runner.run("squeue --me");
 * await defaultConnections().close(); // before exiting, to end the connections at once
 * ```
 */
export function defaultConnections(): Connections {
  if (shared === undefined || shared.closed) shared = new Connections();
  return shared;
}
