import type { KubernetesProfile } from "../../config/types.ts";
import type { CheckResult, ExecutorContext } from "../executor-module.ts";
import { kubeSession } from "./kube-session.ts";

/**
 * `slipway doctor`'s line for a kubernetes profile: the API server reachable and its version. Never throws.
 *
 * @example
 * ```ts
 * await checkKubernetes(profile, context); // { ok: true, text: "Kubernetes v1.34.4 at https://127.0.0.1:6443 …" }
 * ```
 */
export async function checkKubernetes(
  profile: KubernetesProfile,
  context: ExecutorContext,
): Promise<CheckResult> {
  try {
    const { api } = await kubeSession(
      { kubeconfig: profile.settings.kubeconfig, context: profile.settings.context },
      context,
    );
    const version = await api.json<{ gitVersion?: string }>({ method: "GET", path: "/version" });
    return {
      ok: true,
      text: `Kubernetes ${version.gitVersion ?? "(unknown version)"} at ${api.access.server} (${api.access.source})`,
    };
  } catch (error) {
    return { ok: false, text: error instanceof Error ? error.message : String(error) };
  }
}
