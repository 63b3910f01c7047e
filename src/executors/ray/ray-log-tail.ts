import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import type { RayClient } from "./ray-client.ts";

/**
 * Follows a Ray job's log over the `/logs/tail` WebSocket (text frames until the server closes it when the job
 * ends), yielding whole lines. Falls back to polling `/logs` when the WebSocket cannot be opened.
 *
 * The `ws` package rather than Node's own WebSocket: Node's negotiates permessage-deflate and cannot be told not
 * to, and Ray 2.60's tail then closes at once without sending anything.
 *
 * @example
 * ```ts
 * for await (const line of followRayLogs(client, id, isDone)) console.log(line);
 * ```
 */
export async function* followRayLogs(
  client: RayClient,
  id: string,
  isDone: () => Promise<boolean>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const { url, headers } = client.tailTarget(id);
  const queue: string[] = [];
  // Changed by the socket's event listeners, so kept in an object the loop below reads each time.
  const state = { opened: false, closed: false, failed: false };
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const socket = new WebSocket(url, { headers, perMessageDeflate: false });
  socket.on("open", () => {
    state.opened = true;
  });
  socket.on("message", (data: Buffer) => {
    queue.push(data.toString("utf8"));
    notify();
  });
  socket.on("error", () => {
    state.failed = !state.opened;
    notify();
  });
  socket.on("close", () => {
    state.closed = true;
    notify();
  });
  const abort = (): void => {
    socket.close();
  };
  signal?.addEventListener("abort", abort, { once: true });
  let partial = "";
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        const parts = (partial + chunk).split("\n");
        partial = parts.pop() ?? "";
        yield* parts;
        continue;
      }
      if (state.closed || state.failed) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    socket.close();
  }
  if (partial !== "") yield partial;
  if (state.failed && signal?.aborted !== true) yield* pollRayLogs(client, id, isDone, signal);
}

/** Polls `/logs` once a second and yields what is new, until the job has ended and everything was read. */
async function* pollRayLogs(
  client: RayClient,
  id: string,
  isDone: () => Promise<boolean>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  let seen = 0;
  let partial = "";
  for (;;) {
    const done = await isDone();
    const text = (await client.logs(id)) ?? "";
    const parts = (partial + text.slice(seen)).split("\n");
    seen = text.length;
    partial = parts.pop() ?? "";
    yield* parts;
    if (done || signal?.aborted === true) break;
    await sleep(1000, undefined, { signal }).catch(() => undefined);
  }
  if (partial !== "") yield partial;
}
