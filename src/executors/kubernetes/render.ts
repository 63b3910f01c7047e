import { REDACTED } from "../../secret.ts";
import type { KubernetesPlan, Manifest } from "./plan.ts";
import { toYaml } from "./yaml.ts";
import { describeCode } from "../../package/code-package.ts";
import { CODE_ARCHIVE_KEY } from "./pod-spec.ts";

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
/** The container's working directory, as the pod spec sets it. */
function runsIn(plan: KubernetesPlan): string {
  const spec = (plan.job["spec"] as { template: { spec: { containers: { workingDir?: string }[] } } })
    .template.spec;
  return spec.containers[0]?.workingDir ?? "the image's working directory";
}

export function renderKubernetes(plan: KubernetesPlan): string {
  const documents: Manifest[] = [plan.job];
  if (plan.secret !== undefined) {
    const data = Object.fromEntries(Object.keys(plan.secret.values).map((name) => [name, REDACTED]));
    documents.push({ ...plan.secret.manifest, data });
  }
  if (plan.code !== undefined) {
    const archive = `<${CODE_ARCHIVE_KEY} of ${describeCode(plan.code.summary)}>`;
    documents.push({ ...plan.code.manifest, binaryData: { [CODE_ARCHIVE_KEY]: archive } });
  }
  if (plan.sweep !== undefined) documents.push(plan.sweep);
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
    "# the Secret, ConfigMap and Service are owned by the Job (ownerReferences set at submit), so deleting it removes them.",
    `# code: ${plan.code === undefined ? "none shipped (the image holds it)" : `${describeCode(plan.code.summary)}, unpacked by an init container`}; runs in ${runsIn(plan)}`,
  ];
  return [...header, ...documents.map((doc) => `---\n${toYaml(doc).trimEnd()}`)].join("\n");
}
