import { EngineError } from "../../errors.ts";
import type { HttpAnswer } from "./http-transport.ts";

/** One request to the Ray Jobs API, as an error names it. */
export interface RayRequest {
  /** The Jobs API address, e.g. `http://ray-head:8265`. */
  readonly address: string;
  readonly method: string;
  /** The request path, e.g. `/api/jobs/sft-k3j9x2`. */
  readonly path: string;
}

const BODY_LIMIT = 200;

/**
 * A Jobs API answer with an error status as an {@link EngineError}: Ray's own message (the last line of its
 * traceback), or the title of an HTML page a proxy answered with.
 *
 * @example
 * ```ts
 * rayRefused({ address, method: "POST", path: "/api/jobs/" }, { status: 400, body: "ValueError: …" }).message;
 * // "Ray at http://ray:8265 answered 400 to POST /api/jobs/: ValueError: …"
 * ```
 */
export function rayRefused(request: RayRequest, answer: HttpAnswer): EngineError {
  const { address, method, path } = request;
  return new EngineError(
    "ENGINE_ERROR",
    `Ray at ${address} answered ${answer.status} to ${method} ${path}: ${summary(answer, `HTTP ${answer.status}`)}`,
    {
      executor: "ray",
      method,
      path,
      status: answer.status,
      body: cut(answer.body),
      ...(answer.status === 401 || answer.status === 403
        ? { hint: 'set token in the ray profile (e.g. token = "${env:RAY_TOKEN}")' }
        : {}),
    },
  );
}

/**
 * A successful status whose body is not what the Jobs API returns (a proxy's HTML page, another service), naming
 * the endpoint; never an unguarded `JSON.parse` crash.
 *
 * @example
 * ```ts
 * rayUnreadable({ address, method: "GET", path: "/api/version" }, { status: 200, body: "<html>…" }).message;
 * // 'Ray at http://ray:8265 gave an unreadable answer to GET /api/version (HTTP 200, an HTML page): expected the Jobs API's JSON'
 * ```
 */
export function rayUnreadable(request: RayRequest, answer: HttpAnswer): EngineError {
  const { address, method, path } = request;
  return new EngineError(
    "ENGINE_ERROR",
    `Ray at ${address} gave an unreadable answer to ${method} ${path} (HTTP ${answer.status}, ${summary(answer, "an empty body")}): expected the Jobs API's JSON`,
    {
      executor: "ray",
      method,
      path,
      status: answer.status,
      body: cut(answer.body),
      hint: "check address in the ray profile: it must be the Ray dashboard (usually port 8265), not a proxy's page or another service",
    },
  );
}

/**
 * The error for a Jobs API that does not answer at all (`ENGINE_UNREACHABLE`).
 *
 * @example
 * ```ts
 * rayUnreachable({ address: "http://127.0.0.1:9", method: "GET", path: "/api/version" }, econnrefused).message;
 * // "cannot reach the Ray Jobs API at http://127.0.0.1:9: connection refused"
 * ```
 */
export function rayUnreachable(request: RayRequest, error: unknown): EngineError {
  const code = (error as { code?: unknown } | undefined)?.code;
  const why =
    code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ENOTFOUND"
        ? "host not found"
        : error instanceof Error
          ? error.message
          : String(error);
  return new EngineError(
    "ENGINE_UNREACHABLE",
    `cannot reach the Ray Jobs API at ${request.address}: ${why}`,
    {
      executor: "ray",
      method: request.method,
      path: request.path,
      hint: "check address in the ray profile, and that the head runs with its dashboard (ray start --head --dashboard-host …)",
      cause: error,
    },
  );
}

// Ray answers errors as text (often a traceback: its last line says what is wrong); a proxy answers HTML.
function summary(answer: HttpAnswer, empty: string): string {
  const body = answer.body.trim();
  if (/^<(!doctype|html|head|body|\?xml)/i.test(body)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
    return title === undefined || title === "" ? "an HTML page" : `an HTML page "${cut(title, 80)}"`;
  }
  const last = body
    .split("\n")
    .filter((line) => line.trim() !== "")
    .pop()
    ?.trim();
  return last === undefined ? empty : cut(last, BODY_LIMIT);
}

function cut(text: string, limit = BODY_LIMIT): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
