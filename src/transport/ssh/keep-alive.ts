import type { Client } from "ssh2";

/**
 * Sends a keepalive every `intervalMs` on an unref'd timer (so an idle connection never keeps the process alive) and
 * destroys the connection after `countMax` unanswered ones, as `ServerAliveInterval`/`ServerAliveCountMax` do. The
 * probe is a `cancel-tcpip-forward` for a port never forwarded, a global request that wants a reply and changes
 * nothing (sshd answers "failure"). Not ssh2's own `keepaliveInterval`: its interval timer is ref'd and re-created at
 * every reply, so an idle process would never exit.
 *
 * @example
 * ```ts
 * const stop = keepAlive(client, 15_000, 3);
 * client.on("close", stop);
 * ```
 */
export function keepAlive(
  client: Pick<Client, "unforwardIn" | "destroy">,
  intervalMs: number,
  countMax: number,
): () => void {
  if (intervalMs <= 0) return () => undefined;
  let unanswered = 0;
  const timer = setInterval(() => {
    if (unanswered >= countMax) {
      clearInterval(timer);
      client.destroy();
      return;
    }
    unanswered++;
    try {
      client.unforwardIn("127.0.0.1", 0, () => {
        unanswered = 0;
      });
    } catch {
      clearInterval(timer);
    }
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
