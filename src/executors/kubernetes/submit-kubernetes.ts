import { SlipwayError } from "../../errors.ts";
import { humanBytes, packedFor, type CodePackage, type ShippedCode } from "../../package/code-package.ts";
import { tarGz } from "../../package/tar-files.ts";
import { CODE_ARCHIVE_KEY } from "./pod-spec.ts";
import type { KubeApi } from "./kube-api.ts";
import { createOrFind, deleteJob, patchJob } from "./kube-objects-api.ts";
import type { KubeJob } from "./kube-objects.ts";
import { CONFIGMAP_LIMIT, type KubernetesPlan, type Manifest } from "./plan.ts";

const ATTEMPTS = 3;

/**
 * Starts a planned job so that no pod can start before its Secret exists and nothing outlives the Job:
 * 1. the Job, created suspended (no pods);
 * 2. the Secret holding every secret variable, the ConfigMap holding the shipped code's archive and the headless
 *    Service of a multi-node job, each with an
 *    `ownerReference` to the Job's uid (deleting the Job garbage-collects them);
 * 3. the Job unsuspended, unless Kueue admits it (`queue`).
 * Every step finds what an earlier try made (the names come from the slipway id), so a submit whose answer was lost
 * is tried again without making a second Job. A step that fails deletes the Job (and so what it owns): nothing is
 * left behind.
 *
 * @example
 * ```ts
 * const job = await submitKubernetes(plan, api, options.code); // the Job as the API answered, with its uid
 * ```
 */
export async function submitKubernetes(
  plan: KubernetesPlan,
  api: KubeApi,
  packed: CodePackage | undefined,
): Promise<KubeJob> {
  // Checked before anything is created: an archive over the ConfigMap limit is refused with nothing left behind.
  const archive = plan.code === undefined ? undefined : codeArchive(plan.code.summary, packed);
  for (let attempt = 1; ; attempt++) {
    try {
      return await submitOnce(plan, api, archive);
    } catch (error) {
      const retryable = error instanceof SlipwayError && error.code === "ENGINE_UNREACHABLE";
      if (!retryable || attempt >= ATTEMPTS) throw error;
    }
  }
}

function codeArchive(planned: ShippedCode, packed: CodePackage | undefined): Buffer {
  const code = packedFor(planned, packed);
  const archive = tarGz(code.entries, { mtime: code.mtime });
  if (archive.length + CODE_ARCHIVE_KEY.length > CONFIGMAP_LIMIT) {
    throw new SlipwayError(
      "RECIPE_INVALID",
      `the code archive of ${planned.source} is ${humanBytes(archive.length)} compressed (${planned.files} files), ` +
        `over the 1 MiB a Kubernetes ConfigMap holds`,
      {
        hint: 'leave data and large files out with `excludes` (or .gitignore), or bake the code into the image and set package = "none"',
      },
    );
  }
  return archive;
}

async function submitOnce(plan: KubernetesPlan, api: KubeApi, archive: Buffer | undefined): Promise<KubeJob> {
  const { namespace, jobId } = plan;
  const job = await createOrFind<KubeJob>(api, namespace, "jobs", plan.job, { jobId });
  const owner = {
    apiVersion: "batch/v1",
    kind: "Job",
    name: job.metadata.name,
    uid: job.metadata.uid,
    controller: false,
    blockOwnerDeletion: true,
  };
  const owned = (manifest: Manifest): Manifest => ({
    ...manifest,
    metadata: { ...(manifest["metadata"] as object), ownerReferences: [owner] },
  });
  try {
    if (plan.secret !== undefined) {
      const data = Object.fromEntries(
        Object.entries(plan.secret.values).map(([name, value]) => [
          name,
          Buffer.from(value.reveal()).toString("base64"),
        ]),
      );
      await createOrFind(
        api,
        namespace,
        "secrets",
        { ...owned(plan.secret.manifest), data },
        { jobId, ownerUid: owner.uid },
      );
    }
    if (plan.code !== undefined && archive !== undefined) {
      const binaryData = { [CODE_ARCHIVE_KEY]: archive.toString("base64") };
      const configMap = { ...owned(plan.code.manifest), binaryData };
      await createOrFind(api, namespace, "configmaps", configMap, { jobId, ownerUid: owner.uid });
    }
    if (plan.sweep !== undefined) {
      await createOrFind(api, namespace, "configmaps", owned(plan.sweep), { jobId, ownerUid: owner.uid });
    }
    if (plan.service !== undefined) {
      await createOrFind(api, namespace, "services", owned(plan.service), { jobId, ownerUid: owner.uid });
    }
    if (plan.queued) return job;
    return (await patchJob(api, namespace, jobId, { spec: { suspend: false } })) ?? job;
  } catch (error) {
    if (error instanceof SlipwayError && error.code === "ENGINE_UNREACHABLE") throw error;
    // Refused (RBAC, quota, admission): take the Job back, and with it whatever it owns already.
    await deleteJob(api, namespace, jobId, "Background").catch(() => undefined);
    throw error;
  }
}
