import type { AgentOptions } from "node:http";

/**
 * How long an idle keep-alive socket is kept: less than the servers' own idle timeouts (aiohttp's 75 s for the Ray
 * dashboard, Go's for dockerd), so a request never goes out on a socket the server is closing.
 */
export const IDLE_SOCKET_MS = 30_000;

/**
 * Options of an `http(s).Agent` that keeps at most `maxSockets` sockets to one server, alive between requests and
 * closed after {@link IDLE_SOCKET_MS} idle; more requests at once queue for a free socket.
 *
 * @example
 * ```ts
 * const agent = new Agent(pooledAgentOptions(8));
 * ```
 */
export function pooledAgentOptions(maxSockets: number): AgentOptions {
  return { keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS };
}
