import { request } from "node:http";

/**
 * Whether a daemon on a unix socket takes new connections (`GET /_ping` on a fresh one). A daemon shutting down has
 * closed its socket but still answers on connections it already had, so an answer on a kept-alive connection does not
 * say it is up. Other hosts (tcp, ssh) count as taking them; an answer that does not come within `ms` does too.
 *
 * @example
 * ```ts
 * await takesConnections("unix:///var/run/docker.sock"); // false while that dockerd shuts down
 * ```
 */
export function takesConnections(host: string, ms = 5000): Promise<boolean> {
  if (!host.startsWith("unix://")) return Promise.resolve(true);
  const socketPath = host.slice("unix://".length) || "/var/run/docker.sock";
  return new Promise((resolve) => {
    const ping = request({ socketPath, path: "/_ping", agent: false, timeout: ms }, (response) => {
      response.resume();
      resolve(true);
    });
    ping.on("timeout", () => {
      ping.destroy();
      resolve(true);
    });
    ping.on("error", () => {
      resolve(false);
    });
    ping.end();
  });
}
