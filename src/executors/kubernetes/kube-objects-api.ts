import { EngineError } from "../../errors.ts";
import { MERGE_PATCH, type KubeApi } from "./kube-api.ts";
import type { KubeJob, KubeList, KubePod } from "./kube-objects.ts";
import { LABEL_JOB_ID, type Manifest } from "./plan.ts";

/** The API path of a namespaced collection (`jobs`, `secrets`, `services`, `pods`). */
export function collectionPath(
  namespace: string,
  resource: "jobs" | "secrets" | "configmaps" | "services" | "pods",
): string {
  return resource === "jobs"
    ? `/apis/batch/v1/namespaces/${namespace}/jobs`
    : `/api/v1/namespaces/${namespace}/${resource}`;
}

type Named = {
  readonly metadata: {
    readonly name: string;
    readonly uid: string;
    readonly ownerReferences?: readonly { readonly uid: string }[];
    readonly labels?: Readonly<Record<string, string>>;
  };
};

/**
 * Creates an object, or finds the one a lost earlier answer created: a 409 reads the existing object and accepts
 * it when it belongs to the same slipway job (`owner` uid, or the job-id label for the Job itself); anything else
 * with that name is an error, never silently reused.
 *
 * @example
 * ```ts
 * const job = await createOrFind<KubeJob>(api, "ml", "jobs", manifest, { jobId: "sft-k3j9x2" });
 * ```
 */
export async function createOrFind<T extends Named>(
  api: KubeApi,
  namespace: string,
  resource: "jobs" | "secrets" | "configmaps" | "services",
  manifest: Manifest,
  belongs: { readonly jobId: string; readonly ownerUid?: string },
): Promise<T> {
  const path = collectionPath(namespace, resource);
  try {
    return await api.json<T>({ method: "POST", path, body: manifest, query: { fieldManager: "slipway" } });
  } catch (error) {
    if (!(error instanceof EngineError) || error.status !== 409) throw error;
    const name = (manifest["metadata"] as { name: string }).name;
    const existing = await api.json<T>({ method: "GET", path: `${path}/${name}` });
    const ours =
      belongs.ownerUid === undefined
        ? existing.metadata.labels?.[LABEL_JOB_ID] === belongs.jobId
        : (existing.metadata.ownerReferences ?? []).some((owner) => owner.uid === belongs.ownerUid);
    if (!ours) {
      throw new EngineError(
        "ENGINE_ERROR",
        `${resource} ${namespace}/${name} already exists and does not belong to slipway job ${belongs.jobId}`,
        {
          executor: "kubernetes",
          method: "POST",
          path,
          status: 409,
          hint: `delete it (kubectl -n ${namespace} delete ${resource} ${name}) or launch again (a new job id)`,
        },
      );
    }
    return existing;
  }
}

/** Merge-patches a Job (e.g. `{ spec: { suspend: false } }`); a Job already gone answers `undefined`. */
export function patchJob(
  api: KubeApi,
  namespace: string,
  name: string,
  patch: unknown,
): Promise<KubeJob | undefined> {
  return api.jsonOrMissing<KubeJob>({
    method: "PATCH",
    path: `${collectionPath(namespace, "jobs")}/${name}`,
    body: patch,
    contentType: MERGE_PATCH,
    query: { fieldManager: "slipway" },
  });
}

/** Deletes a Job with its pods and owned objects (`Foreground`: pods first; `Background`: at once); gone is fine. */
export async function deleteJob(
  api: KubeApi,
  namespace: string,
  name: string,
  propagation: "Foreground" | "Background",
): Promise<boolean> {
  const deleted = await api.jsonOrMissing<unknown>({
    method: "DELETE",
    path: `${collectionPath(namespace, "jobs")}/${name}`,
    body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: propagation },
  });
  return deleted !== undefined;
}

/** The pods of a slipway job, oldest first. */
export async function listPods(api: KubeApi, namespace: string, jobId: string): Promise<KubePod[]> {
  const list = await api.json<KubeList<KubePod>>({
    method: "GET",
    path: collectionPath(namespace, "pods"),
    query: { labelSelector: `${LABEL_JOB_ID}=${jobId}` },
  });
  return [...list.items].sort((a, b) =>
    (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""),
  );
}
