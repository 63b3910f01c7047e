import type { Socket } from "node:net";
import type { SFTPWrapper } from "ssh2";
import { SlipwayError } from "../../errors.ts";
import type { CommandResult, RunOptions } from "../command-runner.ts";
import { ChannelQueue } from "./channel-queue.ts";
import { keepAlive } from "./keep-alive.ts";
import { sftpMkdir, sftpRealpath, sftpWriteFile } from "./sftp-files.ts";
import { connectRoute, type ConnectedRoute } from "./ssh-connect.ts";
import { execCommand } from "./ssh-exec.ts";
import type { SshRoute, SshTarget, TransportContext } from "./ssh-route.ts";
import type { SshRunner, SshRunnerStats } from "./ssh-runner.ts";

/** OpenSSH's default `MaxSessions`: more channels at once on one connection are refused. */
export const MAX_CHANNELS = 10;
const KEEPALIVE_COUNT_MAX = 3;
const END_GRACE_MS = 2_000;

interface Live {
  readonly route: ConnectedRoute;
  lost: boolean;
  sftp: Promise<SFTPWrapper> | undefined;
}

/**
 * One SSH route's runner (see `Connections.ssh`, which pools them): connects lazily, shares a connection attempt
 * between concurrent callers, reconnects after a drop, queues channels past {@link MAX_CHANNELS}, keeps one SFTP
 * channel, and refs its socket only while calls are in flight. `onClose` is told when `close()` is called.
 *
 * @example
 * ```ts
 * const runner = new PooledSshRunner(route, "strict", { env: process.env, homeDir }, () => undefined);
 * await runner.run("hostname");
 * ```
 */
export class PooledSshRunner implements SshRunner {
  readonly label: string;
  readonly #route: SshRoute;
  readonly #policy: SshTarget["hostKeyPolicy"];
  readonly #context: TransportContext;
  readonly #onClose: (runner: PooledSshRunner) => void;
  readonly #queue = new ChannelQueue(MAX_CHANNELS);
  #connecting: Promise<Live> | undefined;
  #live: Live | undefined;
  #closed = false;
  #connects = 0;
  /** Calls in flight: while there are some, the socket keeps the process alive. */
  #busy = 0;
  #home: Promise<string> | undefined;
  /** The TCP sockets of the connections made, until they have closed (see {@link closed}). */
  readonly #sockets = new Set<Socket>();

  constructor(
    route: SshRoute,
    policy: SshTarget["hostKeyPolicy"],
    context: TransportContext,
    onClose: (runner: PooledSshRunner) => void,
  ) {
    this.label = route.target.label;
    this.#route = route;
    this.#policy = policy;
    this.#context = context;
    this.#onClose = onClose;
  }

  run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    return this.#use(async () => {
      const release = await this.#queue.acquire(options.signal);
      let live: Live;
      try {
        live = await untilAborted(this.#connect(), options.signal);
      } catch (error) {
        release();
        throw error;
      }
      return execCommand(live.route.client, command, options, {
        label: this.label,
        lost: () => live.lost,
        release,
      });
    });
  }

  home(): Promise<string> {
    this.#home ??= this.#use(async () => sftpRealpath(await this.#sftp(), ".", this.label)).catch(
      (error: unknown) => {
        this.#home = undefined;
        throw error;
      },
    );
    return this.#home;
  }

  writeFile(path: string, data: string | Buffer, mode: number): Promise<void> {
    return this.#use(async () => sftpWriteFile(await this.#sftp(), path, data, mode, this.label));
  }

  mkdir(path: string, mode: number): Promise<void> {
    return this.#use(async () => sftpMkdir(await this.#sftp(), path, mode, this.label));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this);
    this.#queue.refuseWaiting(this.#closedError());
    const live = this.#live;
    this.#live = undefined;
    if (live !== undefined) {
      endRoute(live.route);
      live.route.socket.unref();
    }
    // A connection still being made is ended as soon as it is up (see #adopt).
  }

  /**
   * Resolves once every connection this runner made is closed, after {@link close} (a connection still being made
   * is awaited, then ended). Never rejects.
   */
  async closed(): Promise<void> {
    await this.#connecting?.catch(() => undefined);
    await Promise.all(
      [...this.#sockets].map(async (socket) => {
        if (socket.closed) return;
        // Someone awaits the end: the socket keeps the process alive until it closes (or the grace timer destroys it).
        socket.ref();
        // Not events.once: it rejects on "error", which a connection cut under a write (EPIPE) emits before "close".
        await new Promise((resolve) => socket.once("close", resolve));
      }),
    );
  }

  stats(): SshRunnerStats {
    return { connects: this.#connects, connected: this.#live !== undefined, channels: this.#queue.stats() };
  }

  /** Runs `body` as a call in flight: the socket is ref'd meanwhile, unref'd once no call is left. */
  async #use<T>(body: () => Promise<T>): Promise<T> {
    if (this.#closed) throw this.#closedError();
    this.#busy++;
    this.#applyRef();
    try {
      return await body();
    } finally {
      this.#busy--;
      this.#applyRef();
    }
  }

  #applyRef(): void {
    const socket = this.#live?.route.socket;
    if (socket === undefined) return;
    if (this.#busy > 0) socket.ref();
    else socket.unref();
  }

  /** The live connection, connecting first if there is none; callers arriving meanwhile share the attempt. */
  #connect(): Promise<Live> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#live !== undefined && !this.#live.lost) return Promise.resolve(this.#live);
    if (this.#connecting !== undefined) return this.#connecting;
    const attempt = connectRoute(this.#route, { policy: this.#policy, ...this.#context }).then((route) => {
      this.#track(route.socket);
      return this.#adopt(route);
    });
    this.#connecting = attempt;
    const clear = () => {
      if (this.#connecting === attempt) this.#connecting = undefined;
    };
    attempt.then(clear, clear);
    return attempt;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  }

  #adopt(route: ConnectedRoute): Live {
    if (this.#closed) {
      endRoute(route);
      throw this.#closedError();
    }
    this.#connects++;
    const live: Live = { route, lost: false, sftp: undefined };
    const interval = this.#route.target.keepaliveIntervalMs;
    const stopKeepAlive = keepAlive(route.client, interval, KEEPALIVE_COUNT_MAX);
    route.client.on("close", () => {
      live.lost = true;
      stopKeepAlive();
      for (const jump of route.jumps) jump.end();
      route.socket.destroy();
      if (this.#live === live) this.#live = undefined;
    });
    this.#live = live;
    this.#applyRef();
    return live;
  }

  /** The connection's long-lived SFTP channel (it holds one of the channel slots while open). */
  async #sftp(): Promise<SFTPWrapper> {
    const live = await this.#connect();
    live.sftp ??= this.#openSftp(live);
    return live.sftp;
  }

  async #openSftp(live: Live): Promise<SFTPWrapper> {
    const release = await this.#queue.acquire();
    const forget = () => {
      release();
      live.sftp = undefined;
    };
    try {
      return await new Promise<SFTPWrapper>((resolve, reject) => {
        live.route.client.sftp((error, sftp) => {
          if (error) {
            reject(error);
            return;
          }
          sftp.on("close", forget);
          // Errors also end the channel ("close"); the calls that were waiting on it reject on their own.
          sftp.on("error", () => undefined);
          resolve(sftp);
        });
      });
    } catch (error) {
      forget();
      const why = live.lost ? "the connection was lost" : (error as Error).message.replace(/^\(SSH\) /, "");
      throw new SlipwayError("ENGINE_UNREACHABLE", `cannot open an SFTP channel on ${this.label}: ${why}`, {
        hint: "check that the server enables the sftp subsystem (Subsystem sftp in sshd_config)",
        cause: error,
      });
    }
  }

  #closedError(): SlipwayError {
    return new SlipwayError("ENGINE_UNREACHABLE", `the connection to ${this.label} was closed`, {
      hint: "get a new runner (Connections.ssh) to connect again",
    });
  }
}

/** `promise`, or the signal's reason as soon as it is aborted (the work behind `promise` goes on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason as Error);
    };
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function endRoute(route: ConnectedRoute): void {
  route.client.end();
  for (const jump of [...route.jumps].reverse()) jump.end();
  // A server that never answers the disconnect must not keep the socket (and closed()) waiting.
  setTimeout(() => route.socket.destroy(), END_GRACE_MS).unref();
}
