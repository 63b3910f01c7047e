import type { Client, ClientChannel } from "ssh2";
import { SlipwayError } from "../../errors.ts";
import type { CommandResult, RunOptions } from "../command-runner.ts";

/** What {@link execCommand} needs from the connection that owns the client. */
export interface ExecContext {
  /** `user@host:port`, for messages. */
  readonly label: string;
  /** Whether the connection has closed (then a channel ending without an exit status means it was lost). */
  readonly lost: () => boolean;
  /** Gives the channel's slot back; called once the channel has closed or failed to open. */
  readonly release: () => void;
}

/**
 * Runs `command` on an exec channel (the server runs it through the user's login shell, as `ssh host command`):
 * writes `stdin` then closes it, collects stdout and stderr as UTF-8, resolves with the exit status (`-1` when a
 * signal ended it). Rejects with `ENGINE_UNREACHABLE` when the channel cannot be opened or the connection is lost,
 * and with the signal's reason when aborted (the channel is then closed). ssh2's `env` option is not used: sshd
 * ignores it unless `AcceptEnv` allows the names.
 *
 * @example
 * ```ts
 * const release = await queue.acquire();
 * const { stdout } = await execCommand(client, "sinfo -h -o %n", {}, { label, lost: () => false, release });
 * ```
 */
export function execCommand(
  client: Client,
  command: string,
  options: RunOptions,
  context: ExecContext,
): Promise<CommandResult> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    let channel: ClientChannel | undefined;
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      finish();
    };
    const fail = (why: string, cause?: unknown) => {
      settle(() => {
        reject(
          new SlipwayError("ENGINE_UNREACHABLE", `cannot run a command on ${context.label}: ${why}`, {
            cause,
          }),
        );
      });
    };
    function onAbort() {
      stop(channel);
      settle(() => {
        reject(signal?.reason as Error);
      });
    }
    if (signal?.aborted === true) {
      context.release();
      onAbort();
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });

    const opened = (error: Error | undefined, stream: ClientChannel) => {
      if (error) {
        context.release();
        fail(context.lost() ? "the connection was lost" : error.message.replace(/^\(SSH\) /, ""), error);
        return;
      }
      channel = stream;
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let exitCode: number | undefined;
      stream.on("data", (chunk: Buffer) => {
        stdout.push(chunk);
        if (settled || options.onStdout === undefined) return;
        try {
          options.onStdout(chunk);
        } catch (thrown) {
          stop(stream);
          settle(() => {
            reject(thrown instanceof Error ? thrown : new Error(String(thrown)));
          });
        }
      });
      stream.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      stream.on("exit", (code: number | null) => {
        exitCode = typeof code === "number" ? code : -1;
      });
      stream.on("error", (thrown: Error) => {
        fail(thrown.message, thrown);
      });
      stream.on("close", () => {
        context.release();
        if (exitCode === undefined && context.lost()) {
          fail("the connection was lost before the command ended");
          return;
        }
        settle(() => {
          resolve({
            stdout: Buffer.concat(stdout).toString("utf8"),
            stderr: Buffer.concat(stderr).toString("utf8"),
            exitCode: exitCode ?? -1,
          });
        });
      });
      if (settled) stop(stream);
      else stream.end(options.stdin);
    };
    try {
      client.exec(command, opened);
    } catch (error) {
      // ssh2 throws "Not connected" when the socket has just closed.
      context.release();
      fail("the connection was lost", error);
    }
  });
}

/** The part of ssh2's channel internals that sends a channel request (see {@link stop}). */
interface ChannelInternals {
  readonly outgoing?: { readonly id?: unknown; readonly state?: unknown };
  readonly _client?: { readonly _protocol?: { signal?: (id: number, name: string) => void } };
}

/**
 * Ends a running command: asks sshd to send it SIGTERM (OpenSSH ≥ 7.9 `signal` request; sshd keeps a session channel
 * open until its process exits, so closing alone would leave it running), then closes the channel. ssh2's
 * `channel.signal()` does nothing once stdin has been ended, which `run` always does first, so the request goes
 * through the same protocol call that method makes.
 */
function stop(channel: ClientChannel | undefined): void {
  if (channel === undefined) return;
  const internals = channel as unknown as ChannelInternals;
  const id = internals.outgoing?.id;
  const protocol = internals._client?._protocol;
  try {
    const state = internals.outgoing?.state;
    if (typeof id === "number" && (state === "open" || state === "eof")) protocol?.signal?.(id, "TERM");
  } catch {
    // The channel may already be closing; closing it is what matters.
  }
  channel.close();
}
