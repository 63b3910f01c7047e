import type { KubernetesProfile } from "../../config/types.ts";
import { EngineError } from "../../errors.ts";
import type { CheckResult, ExecutorContext } from "../executor-module.ts";
import type { KubeApi } from "./kube-api.ts";
import { kubeSession } from "./kube-session.ts";
import { KUBERNETES_PERMISSIONS, permissionText, type Permission } from "./permissions.ts";

/**
 * `slipway doctor`'s check of a kubernetes profile: the API server reachable and its version, the namespace there,
 * and every permission the executor uses (a `SelfSubjectAccessReview` each), listed ✓/✗ with the exact one missing.
 * Never throws.
 *
 * @example
 * ```ts
 * const result = await checkKubernetes(profile, context);
 * result.details?.filter((d) => !d.ok).map((d) => d.text); // ["create secrets in ml: denied"]
 * ```
 */
export async function checkKubernetes(
  profile: KubernetesProfile,
  context: ExecutorContext,
): Promise<CheckResult> {
  const { namespace } = profile.settings;
  try {
    const { api } = await kubeSession(
      { kubeconfig: profile.settings.kubeconfig, context: profile.settings.context },
      context,
    );
    const version = await api.json<{ gitVersion?: string }>({ method: "GET", path: "/version" });
    const details = [
      await namespaceCheck(api, namespace),
      ...(await Promise.all(KUBERNETES_PERMISSIONS.map((p) => canI(api, namespace, p)))),
    ];
    const missing = details.filter((d) => !d.ok).length;
    const where = `Kubernetes ${version.gitVersion ?? "(unknown version)"} at ${api.access.server} (${api.access.source})`;
    return {
      ok: missing === 0,
      text:
        missing === 0
          ? `${where}, namespace ${namespace}, every permission`
          : `${where}: ${missing} problem(s) in namespace ${namespace}`,
      details,
    };
  } catch (error) {
    return { ok: false, text: error instanceof Error ? error.message : String(error) };
  }
}

async function namespaceCheck(api: KubeApi, namespace: string): Promise<{ ok: boolean; text: string }> {
  try {
    await api.json({ method: "GET", path: `/api/v1/namespaces/${namespace}` });
    return { ok: true, text: `namespace ${namespace} exists` };
  } catch (error) {
    if (error instanceof EngineError && error.status === 404) {
      return {
        ok: false,
        text: `namespace ${namespace} does not exist (kubectl create namespace ${namespace})`,
      };
    }
    // Users with a namespaced Role may not read namespaces: that is no problem for jobs.
    if (error instanceof EngineError && error.status === 403)
      return { ok: true, text: `namespace ${namespace}: not readable with these credentials (not needed)` };
    throw error;
  }
}

async function canI(
  api: KubeApi,
  namespace: string,
  permission: Permission,
): Promise<{ ok: boolean; text: string }> {
  const review = await api.json<{ status?: { allowed?: boolean; reason?: string } }>({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: {
        resourceAttributes: {
          namespace,
          verb: permission.verb,
          group: permission.group,
          resource: permission.resource,
          ...(permission.subresource === undefined ? {} : { subresource: permission.subresource }),
        },
      },
    },
  });
  const allowed = review.status?.allowed === true;
  return {
    ok: allowed,
    text: `${permissionText(permission)} in ${namespace}${allowed ? "" : `: denied (needed for ${permission.use})`}`,
  };
}
