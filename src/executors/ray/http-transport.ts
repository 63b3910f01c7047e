import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { pooledAgentOptions } from "../../transport/pooled-agent-options.ts";

/**
 * The most sockets a process opens to one Ray dashboard; more requests at once queue for a free one (every Jobs API
 * call answers at once: the log follow's WebSocket is apart), idle ones closed as pooledAgentOptions says.
 */
export const RAY_SOCKETS = 8;

let agents: { readonly http: HttpAgent; readonly https: HttpsAgent } | undefined;

function agentsOf(): { readonly http: HttpAgent; readonly https: HttpsAgent } {
  const options = pooledAgentOptions(RAY_SOCKETS);
  agents ??= { http: new HttpAgent(options), https: new HttpsAgent(options) };
  return agents;
}

/** One HTTP exchange, as the Ray client needs it. */
export interface HttpExchange {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | undefined;
  readonly timeoutMs: number;
}

/** An HTTP answer: status and the whole body. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** Sends one request; tests inject their own to simulate a lost answer. */
export type HttpTransport = (exchange: HttpExchange) => Promise<HttpAnswer>;

/**
 * HTTP over `node:http`/`node:https`. Not `fetch`: Node's fetch always sends `Sec-Fetch-Mode: cors`, and Ray's
 * dashboard refuses POST, PUT and DELETE from anything that looks like a browser (405).
 *
 * @example
 * ```ts
 * const { status, body } = await nodeHttp({ method: "GET", url, headers: {}, timeoutMs: 10_000 });
 * ```
 */
export const nodeHttp: HttpTransport = (exchange) =>
  new Promise((resolve, reject) => {
    const url = new URL(exchange.url);
    const https = url.protocol === "https:";
    const send = https ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        agent: https ? agentsOf().https : agentsOf().http,
        method: exchange.method,
        headers: {
          ...exchange.headers,
          ...(exchange.body === undefined ? {} : { "content-length": String(exchange.body.length) }),
        },
        timeout: exchange.timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
        });
        response.on("error", reject);
      },
    );
    request.on("timeout", () => {
      request.destroy(
        Object.assign(new Error(`no answer within ${exchange.timeoutMs / 1000} s`), { code: "ETIMEDOUT" }),
      );
    });
    request.on("error", reject);
    request.end(exchange.body);
  });
