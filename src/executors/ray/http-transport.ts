import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

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
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
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
