import { EngineError, SlipwayError } from "../../errors.ts";

/** One request to the Docker Engine API, as an error names it. */
export interface DockerRequest {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** The API path without the version prefix, e.g. `/containers/3f2a9c1b7d0e/stop`. */
  readonly path: string;
  /** What slipway was doing, completing "could not …", e.g. `stop container 3f2a9c1b7d0e`. */
  readonly what: string;
}

const BODY_LIMIT = 500;

// Errors of the connection itself: nothing answered.
const NETWORK_CODES = new Set([
  "ENOENT",
  "ECONNREFUSED",
  "EACCES",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);

/**
 * A failed Docker API call as an {@link EngineError}: the request and the daemon's answer (dockerode's `statusCode`
 * and `json`) as fields; `ENGINE_UNREACHABLE` when nothing answered. A `SlipwayError` passes through unchanged.
 *
 * @example
 * ```ts
 * try { await container.stop({ t: 10 }); }
 * catch (e) { throw dockerApiError(host, { method: "POST", path: `/containers/${id}/stop`, what: `stop container ${id}` }, e); }
 * ```
 */
export function dockerApiError(host: string, request: DockerRequest, error: unknown): SlipwayError {
  if (error instanceof SlipwayError) return error;
  const status = statusCodeOf(error);
  if (status === undefined && NETWORK_CODES.has(String((error as { code?: unknown }).code))) {
    return unreachable(host, error, request);
  }
  return new EngineError(
    "ENGINE_ERROR",
    `Docker daemon at ${host} could not ${request.what}: ${daemonMessage(error)}`,
    {
      executor: "docker",
      method: request.method,
      path: request.path,
      status,
      body: answerBody(error),
      cause: error,
    },
  );
}

/**
 * An answer of the daemon that does not have the shape slipway reads (a proxy's HTML page, another API), naming the
 * request; never an unguarded crash.
 *
 * @example
 * ```ts
 * throw unreadableAnswer(host, { method: "GET", path: "/containers/3f2a/json", what: "inspect container 3f2a" }, answer);
 * ```
 */
export function unreadableAnswer(host: string, request: DockerRequest, answer: unknown): EngineError {
  return new EngineError(
    "ENGINE_ERROR",
    `Docker daemon at ${host} could not ${request.what}: its answer to ${request.method} ${request.path} is not what the Docker Engine API returns`,
    {
      executor: "docker",
      method: request.method,
      path: request.path,
      status: 200,
      body: cut(textOf(answer)),
      hint: "check that the profile's host (or DOCKER_HOST) points at a Docker daemon, not a proxy or another service",
    },
  );
}

/**
 * The error for a daemon that does not answer, naming it and how to start it.
 *
 * @example
 * ```ts
 * unreachable("unix:///tmp/none.sock", Object.assign(new Error("connect ENOENT"), { code: "ENOENT" })).message;
 * // "cannot reach the Docker daemon at unix:///tmp/none.sock: the socket does not exist"
 * ```
 */
export function unreachable(
  host: string,
  error: unknown,
  request: Omit<DockerRequest, "what"> = { method: "GET", path: "/version" },
): EngineError {
  const code = (error as { code?: unknown }).code;
  const why =
    code === "ENOENT"
      ? "the socket does not exist"
      : code === "ECONNREFUSED"
        ? "connection refused"
        : code === "EACCES"
          ? "permission denied on the socket"
          : error instanceof Error
            ? error.message
            : String(error);
  return new EngineError("ENGINE_UNREACHABLE", `cannot reach the Docker daemon at ${host}: ${why}`, {
    executor: "docker",
    method: request.method,
    path: request.path,
    hint:
      code === "EACCES"
        ? "add your user to the docker group (then log in again), or use a rootless daemon"
        : "start it (systemctl start docker, or dockerd &), or point the profile's host (or DOCKER_HOST) at a running daemon",
    cause: error,
  });
}

/**
 * The daemon's own message from a dockerode error (`json.message`), else the error's first line.
 *
 * @example
 * ```ts
 * daemonMessage(Object.assign(new Error("(HTTP code 404) …"), { json: { message: "No such image: x:1" } })); // "No such image: x:1"
 * ```
 */
export function daemonMessage(error: unknown): string {
  const json = (error as { json?: unknown } | undefined)?.json;
  if (
    typeof json === "object" &&
    json !== null &&
    typeof (json as { message?: unknown }).message === "string"
  ) {
    return (json as { message: string }).message;
  }
  const text = error instanceof Error ? error.message : String(error);
  return cut(text.split("\n")[0] ?? "", 200);
}

/**
 * The HTTP status of a dockerode error, if the daemon answered.
 *
 * @example
 * ```ts
 * if (statusCodeOf(error) === 404) return "container already removed";
 * ```
 */
export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

/**
 * The daemon's answer carried by a dockerode error (its `json`: parsed JSON, or the raw text), cut to a readable
 * length; `undefined` when nothing answered.
 *
 * @example
 * ```ts
 * answerBody(error); // '{"message":"No such container: 3f2a9c1b7d0e"}'
 * ```
 */
export function answerBody(error: unknown): string | undefined {
  const json = (error as { json?: unknown } | undefined)?.json;
  return json === undefined || json === null ? undefined : cut(textOf(json));
}

function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  try {
    // undefined for a function or a symbol, whatever the declared type says
    const text = JSON.stringify(value) as string | undefined;
    return text ?? String(value);
  } catch {
    return String(value);
  }
}

function cut(text: string, limit = BODY_LIMIT): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
