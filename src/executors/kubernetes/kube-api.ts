import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { EngineError, SlipwayError } from "../../errors.ts";
import type { KubeAccess } from "./kube-config.ts";
import { kubeRefused, kubeUnreachable } from "./kube-api-error.ts";

/** One API request: the path below the server, query parameters, and a JSON body (or a patch of `contentType`). */
export interface KubeRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds without an answer before the request fails (default 30 s; streams: until the first byte). */
  readonly timeoutMs?: number;
}

/** The content type of a JSON merge patch. */
export const MERGE_PATCH = "application/merge-patch+json";

/**
 * A small client of the Kubernetes REST API over the kubeconfig's credentials (TLS, tokens, exec plugins, all as
 * `@kubernetes/client-node` applies them), with the API server's `Status` kept on every error: the library's own
 * API classes drop it for logs and watches. JSON in and out; `stream` gives the body of logs and watches as it
 * arrives.
 *
 * @example
 * ```ts
 * const api = new KubeApi(await loadKubeAccess(target, surroundings));
 * const jobs = await api.json<{ items: unknown[] }>({ method: "GET", path: "/apis/batch/v1/namespaces/ml/jobs" });
 * ```
 */
export class KubeApi {
  readonly access: KubeAccess;

  constructor(access: KubeAccess) {
    this.access = access;
  }

  /** Sends a request and parses the JSON answer; a non-2xx answer is an `EngineError` with the API's Status. */
  async json<T>(request: KubeRequest): Promise<T> {
    const response = await this.#send(request);
    const text = await readAll(response);
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) throw kubeRefused(this.access, request, status, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw kubeRefused(this.access, request, status, text, "an answer that is not JSON");
    }
  }

  /** Like {@link json}, but a 404 answers `undefined`. */
  async jsonOrMissing<T>(request: KubeRequest): Promise<T | undefined> {
    try {
      return await this.json<T>(request);
    } catch (error) {
      if (error instanceof EngineError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Opens a streaming request (pod logs, watches); a non-2xx answer is an `EngineError` with the API's Status. */
  async stream(request: KubeRequest): Promise<IncomingMessage> {
    const response = await this.#send(request);
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299)
      throw kubeRefused(this.access, request, status, await readAll(response));
    return response;
  }

  async #send(request: KubeRequest): Promise<IncomingMessage> {
    const options: RequestOptions & { headers?: Record<string, string> } = {};
    try {
      await this.access.config.applyToHTTPSOptions(options);
    } catch (error) {
      throw credentialFailure(this.access, error);
    }
    const url = new URL(this.access.server.replace(/\/+$/, "") + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    const timeoutMs = request.timeoutMs ?? 30_000;
    return await new Promise<IncomingMessage>((resolve, reject) => {
      const sent = send(url, {
        ...options,
        method: request.method,
        headers: {
          ...(options.headers as Record<string, string> | undefined),
          accept: "application/json",
          "user-agent": "slipway",
          ...(body === undefined
            ? {}
            : {
                "content-type": request.contentType ?? "application/json",
                "content-length": String(body.length),
              }),
        },
        ...(request.signal === undefined ? {} : { signal: request.signal }),
        timeout: timeoutMs,
      });
      sent.on("response", resolve);
      sent.on("timeout", () => {
        sent.destroy(
          Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" }),
        );
      });
      sent.on("error", (error) => {
        reject(request.signal?.aborted === true ? error : kubeUnreachable(this.access, request, error));
      });
      sent.end(body);
    });
  }
}

/** The whole body of an answer as text. */
export async function readAll(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

// An exec credential plugin that failed: the library rejects with the plugin's stderr as the message.
function credentialFailure(access: KubeAccess, error: unknown): SlipwayError {
  const user = access.config.getCurrentUser();
  const exec = (user?.exec as { command?: unknown } | undefined)?.command;
  const what =
    typeof exec === "string"
      ? `the credential plugin "${exec}" of user "${user?.name ?? ""}"`
      : `the credentials of user "${user?.name ?? ""}"`;
  const detail = error instanceof Error ? error.message.trim() : String(error);
  return new SlipwayError("ENGINE_UNREACHABLE", `${what} failed (${access.source}): ${detail}`, {
    hint:
      typeof exec === "string"
        ? `run the plugin by hand to see why (kubectl --context ${access.context} get ns runs it too); it must be on PATH or given as an absolute path`
        : "check the user entry of the kubeconfig",
    cause: error,
  });
}
