import { REDACTED } from "../../secret.ts";
import type { KubernetesPlan, Manifest } from "./plan.ts";
import { toYaml } from "./yaml.ts";

/**
 * The kubernetes plan as `kubectl apply -f` would take it: the Job (created suspended), the per-job Secret with
 * every value shown as `***`, and the headless Service of a multi-node job, in the order they are created, with a
 * comment on what submit adds (the owner references that tie the Secret and Service to the Job).
 *
 * @example
 * ```ts
 * console.log(renderKubernetes(plan)); // "# kubernetes job sft-k3j9x2 …\n---\napiVersion: batch/v1\nkind: Job …"
 * ```
 */
export function renderKubernetes(plan: KubernetesPlan): string {
  const documents: Manifest[] = [plan.job];
  if (plan.secret !== undefined) {
    const data = Object.fromEntries(Object.keys(plan.secret.values).map((name) => [name, REDACTED]));
    documents.push({ ...plan.secret.manifest, data });
  }
  if (plan.service !== undefined) documents.push(plan.service);
  const where = [
    `namespace ${plan.namespace}`,
    plan.target.context === undefined ? undefined : `context ${plan.target.context}`,
    plan.target.kubeconfig === undefined
      ? undefined
      : `kubeconfig ${[plan.target.kubeconfig].flat().join(":")}`,
  ].filter((part) => part !== undefined);
  const header = [
    `# kubernetes job ${plan.jobId} (${where.join(", ")})`,
    plan.queued
      ? "# The Job is created suspended and stays so until Kueue admits it;"
      : "# The Job is created suspended and started once the objects below exist;",
    "# the Secret and Service are owned by the Job (ownerReferences set at submit), so deleting it removes them.",
  ];
  return [...header, ...documents.map((doc) => `---\n${toYaml(doc).trimEnd()}`)].join("\n");
}
