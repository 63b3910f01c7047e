import type { IncomingMessage } from "node:http";
import * as z from "zod";
import { dockerApiError, unreachable, unreadableAnswer } from "./docker-api-error.ts";
import type { DockerClient } from "./docker-client.ts";
import type { ContainerExit } from "./states.ts";

/** Docker's wait conditions: `removed` returns only once the container is gone (what `docker run --rm` waits for). */
export type WaitCondition = "not-running" | "next-exit" | "removed";

/** A wait the daemon has registered. */
export interface ContainerWait {
  /** How the container ended, once the condition holds; rejects when the wait fails or is aborted. */
  readonly ended: Promise<ContainerExit>;
}

const waitAnswerSchema = z.object({
  StatusCode: z.number(),
  Error: z.object({ Message: z.string() }).nullish(),
});

/** The part of docker-modem's `dial` this file uses (dockerode types its modem as `any`). */
interface Dial {
  dial(
    options: {
      path: string;
      method: string;
      isStream: true;
      abortSignal?: AbortSignal | undefined;
      statusCodes: Readonly<Record<number, true | string>>;
      options: { _query: Record<string, string>; _body: Record<string, never> };
    },
    callback: (error: unknown, response: IncomingMessage | null) => void,
  ): void;
}

/**
 * Asks the daemon to wait for a container (`POST /containers/{id}/wait`) and resolves once the daemon has registered
 * the wait (it sends the response headers then), not when the container ends: a wait registered before `start`
 * cannot miss the end of a container that Docker removes at once. Failures are `EngineError`s (a gone container's has
 * `status` 404); an abort through `signal` rejects with the abort reason.
 *
 * @example
 * ```ts
 * const wait = await registerWait(client, containerId, "removed");
 * await container.start();
 * const { exitCode } = await wait.ended;
 * ```
 */
export function registerWait(
  client: DockerClient,
  containerId: string,
  condition: WaitCondition,
  signal?: AbortSignal,
): Promise<ContainerWait> {
  const request = {
    method: "POST",
    path: `/containers/${containerId}/wait?condition=${condition}`,
    what: `wait for container ${containerId.slice(0, 12)}`,
  };
  const modem = client.streams.modem as Dial;
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        path: `/containers/${containerId}/wait?`,
        method: "POST",
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 400: "bad parameter", 404: "no such container", 500: "server error" },
        options: { _query: { condition }, _body: {} },
      },
      (error, response) => {
        if (error !== null || response === null) {
          reject(
            signal?.aborted === true ? abortReason(signal) : dockerApiError(client.host, request, error),
          );
          return;
        }
        resolve({ ended: readAnswer(client.host, request, response, signal) });
      },
    );
  });
}

function readAnswer(
  host: string,
  request: { method: string; path: string; what: string },
  response: IncomingMessage,
  signal: AbortSignal | undefined,
): Promise<ContainerExit> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", abort);
      outcome();
    };
    const abort = (): void => {
      settle(() => {
        reject(abortReason(signal));
      });
      response.destroy();
    };
    if (signal?.aborted === true) {
      abort();
      return;
    }
    signal?.addEventListener("abort", abort, { once: true });
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("error", (error) => {
      settle(() => {
        reject(dockerApiError(host, request, error));
      });
    });
    response.on("close", () => {
      settle(() => {
        // The daemon went away (a restart, a stop): the connection, not the container, ended.
        reject(unreachable(host, new Error("the daemon closed the wait without an answer"), request));
      });
    });
    response.on("end", () => {
      settle(() => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed;
        try {
          parsed = waitAnswerSchema.safeParse(JSON.parse(text));
        } catch {
          parsed = undefined;
        }
        if (parsed?.success !== true) {
          reject(unreadableAnswer(host, request, text));
          return;
        }
        resolve({
          exitCode: parsed.data.StatusCode,
          oomKilled: false,
          error: parsed.data.Error?.Message ?? "",
        });
      });
    });
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException("the wait was aborted", "AbortError");
}
