import { connect, createServer, type Socket } from "node:net";

/** A TCP proxy on 127.0.0.1 in front of `host:port` whose connections a test can cut, and keep cut for a while. */
export interface TcpProxy {
  readonly port: number;
  /** Destroys every open connection (both sides). */
  dropAll(): void;
  /** Cuts every connection and refuses (resets) new ones until {@link heal}: the far side is unreachable. */
  cut(): void;
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
  const server = createServer((client) => {
    if (refusing) {
      client.on("error", () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
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
    heal: () => {
      refusing = false;
    },
    dropped: () => dropped,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
