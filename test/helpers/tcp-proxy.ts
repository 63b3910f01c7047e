import { connect, createServer, type Socket } from "node:net";

/** A TCP proxy on 127.0.0.1 in front of `host:port` whose connections a test can cut, and keep cut for a while. */
export interface TcpProxy {
  readonly port: number;
  /** Destroys every open connection (both sides). */
  dropAll(): void;
  /** Cuts every connection and refuses (resets) new ones until {@link heal}: the far side is unreachable. */
  cut(): void;
  /**
   * Silently stops every byte both ways until {@link heal}, without closing anything, as a dropped route does: open
   * connections stall (what was sent waits, as TCP's retransmissions would), new ones are accepted and never
   * answered. Only timeouts and keepalives can tell.
   */
  blackhole(): void;
  heal(): void;
  /** How many sockets were destroyed by {@link dropAll} or {@link cut}. */
  dropped(): number;
  close(): void;
}

/**
 * Starts a {@link TcpProxy}, to lose a connection for real (an SSH session, an HTTP keep-alive, a WebSocket).
 *
 * @example
 * ```ts
 * const proxy = await tcpProxy("127.0.0.1", 8265);
 * proxy.cut(); // … the engine is unreachable …
 * proxy.heal();
 * ```
 */
export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let dropped = 0;
  let refusing = false;
  let holding = false;
  const held = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    if (refusing) {
      client.on("error", () => undefined);
      client.resetAndDestroy();
      return;
    }
    if (holding) {
      // Accepted, never answered: the SSH banner never comes.
      client.on("error", () => undefined);
      held.add(client);
      client.pause();
      return;
    }
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on("close", () => pairs.delete(pair));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const dropAll = (): void => {
    for (const s of sockets) {
      dropped++;
      s.destroy();
    }
  };
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    dropAll,
    cut: () => {
      refusing = true;
      dropAll();
    },
    blackhole: () => {
      holding = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    heal: () => {
      refusing = false;
      holding = false;
      for (const [client, upstream] of pairs) client.pipe(upstream).pipe(client);
      // Their clients gave up long ago (no banner within the connect timeout).
      for (const s of held) s.destroy();
      held.clear();
    },
    dropped: () => dropped,
    close: () => {
      for (const s of [...sockets, ...held]) s.destroy();
      server.close();
    },
  };
}
