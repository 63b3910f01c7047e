import { EngineError } from "../../errors.ts";
import type { KubeAccess } from "./kube-config.ts";
/** The request an error names. */
type KubeRequest = { readonly method: string; readonly path: string };

/** The API server's `Status` object, as far as errors use it. */
export interface KubeStatus {
  readonly reason?: string;
  readonly message?: string;
  readonly code?: number;
  readonly details?: { readonly name?: string; readonly kind?: string; readonly group?: string };
}

const BODY_LIMIT = 300;

/** The `Status` an error body holds, if it is one. */
export function statusOf(body: string): KubeStatus | undefined {
  try {
    const parsed = JSON.parse(body) as { kind?: unknown } & KubeStatus;
    return parsed.kind === "Status" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An error answer of the API server as an {@link EngineError}: the status code, the Status's reason and message,
 * and a hint for the usual causes (RBAC, a missing namespace, rejected credentials).
 *
 * @example
 * ```ts
 * kubeRefused(access, { method: "POST", path: "/api/v1/namespaces/ml/secrets" }, 403, body).message;
 * // 'Kubernetes API at https://10.0.0.1:6443 refused POST /api/v1/namespaces/ml/secrets (403 Forbidden): secrets is forbidden: User "ci" cannot create resource "secrets" in API group "" in the namespace "ml"'
 * ```
 */
export function kubeRefused(
  access: KubeAccess,
  request: Pick<KubeRequest, "method" | "path">,
  statusCode: number,
  body: string,
  unreadable?: string,
): EngineError {
  const status = statusOf(body);
  const reason = status?.reason ?? "";
  const message = unreadable ?? status?.message ?? (body.trim().slice(0, BODY_LIMIT) || "no message");
  return new EngineError(
    "ENGINE_ERROR",
    `Kubernetes API at ${access.server} refused ${request.method} ${request.path} (${statusCode}${reason === "" ? "" : ` ${reason}`}): ${message}`,
    {
      executor: "kubernetes",
      method: request.method,
      path: request.path,
      status: statusCode,
      body: body.slice(0, BODY_LIMIT),
      hint: hintFor(statusCode, message, request.path, access),
    },
  );
}

/**
 * The API server could not be reached (refused, timed out, TLS failure): names the URL and the kubeconfig and
 * context used.
 *
 * @example
 * ```ts
 * kubeUnreachable(access, { method: "GET", path: "/version" }, econnrefused).message;
 * // "cannot reach the Kubernetes API at https://127.0.0.1:6443 (ECONNREFUSED), from kubeconfig /home/me/.kube/config (context lab)"
 * ```
 */
export function kubeUnreachable(
  access: KubeAccess,
  request: Pick<KubeRequest, "method" | "path">,
  error: Error,
): EngineError {
  const code = (error as { code?: unknown }).code;
  const why = typeof code === "string" ? (code === "ETIMEDOUT" ? error.message : code) : error.message;
  return new EngineError(
    "ENGINE_UNREACHABLE",
    `cannot reach the Kubernetes API at ${access.server} (${why}), from ${access.source}`,
    {
      executor: "kubernetes",
      method: request.method,
      path: request.path,
      hint: `is the cluster up and this kubeconfig current? (kubectl${access.context === "" ? "" : ` --context ${access.context}`} cluster-info)`,
      cause: error,
    },
  );
}

function hintFor(status: number, message: string, path: string, access: KubeAccess): string | undefined {
  const namespace = /\/namespaces\/([^/]+)/.exec(path)?.[1];
  if (status === 401)
    return `the API server rejected the credentials of ${access.source}; log in again or renew the token`;
  if (status === 403) {
    return `the user lacks this permission${namespace === undefined ? "" : ` in namespace ${namespace}`}; slipway doctor lists every permission the executor needs, and the README shows the minimal Role`;
  }
  const missing = /namespaces "([^"]+)" not found/.exec(message)?.[1];
  if (status === 404 && missing !== undefined) {
    return `create the namespace (kubectl create namespace ${missing}) or set namespace in the profile`;
  }
  return undefined;
}
