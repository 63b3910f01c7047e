import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { SlipwayError } from "../../errors.ts";
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
  // Characters received: where polling picks up if the tail closes before the job ended.
  let delivered = 0;
  socket.on("message", (data: Buffer) => {
    const text = data.toString("utf8");
    delivered += text.length;
    queue.push(text);
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
  if (signal?.aborted === true) {
    if (partial !== "") yield partial;
    return;
  }
  // The tail closes when the job ends, and also when the dashboard goes away (a restart, a network cut): then the
  // rest comes by polling from where the tail stopped, riding out the outage as the job's wait does.
  if (!state.failed && (await isDone())) {
    const rest = await client.logs(id).catch(() => undefined);
    const tail = rest === undefined ? partial : (partial + rest.slice(delivered)).replace(/\n$/, "");
    if (tail !== "") yield* tail.split("\n");
    return;
  }
  yield* pollRayLogs(client, id, isDone, signal, { seen: delivered, partial });
}

/** Polls `/logs` once a second and yields what is new, until the job has ended and everything was read. */
async function* pollRayLogs(
  client: RayClient,
  id: string,
  isDone: () => Promise<boolean>,
  signal: AbortSignal | undefined,
  from: { readonly seen: number; readonly partial: string },
): AsyncGenerator<string> {
  let { seen, partial } = from;
  for (;;) {
    const done = await isDone();
    let text: string;
    try {
      text = (await client.logs(id)) ?? "";
    } catch (error) {
      // Unreachable for now: try again next round (isDone gives up once the outage lasts too long).
      if (!(error instanceof SlipwayError) || error.code !== "ENGINE_UNREACHABLE" || done) throw error;
      await sleep(1000, undefined, { signal }).catch(() => undefined);
      continue;
    }
    const parts = (partial + text.slice(seen)).split("\n");
    seen = text.length;
    partial = parts.pop() ?? "";
    yield* parts;
    if (done || signal?.aborted === true) break;
    await sleep(1000, undefined, { signal }).catch(() => undefined);
  }
  if (partial !== "") yield partial;
}
