import type { KubernetesProfile } from "../../config/types.ts";
import type { TrackingEnv } from "../../env/tracking-env.ts";
import type { Job } from "../../job/job.ts";
import type { Executor, ExecutorContext, ExecutorModule, Submitted } from "../executor-module.ts";
import type { Capabilities, SubmitOptions } from "../types.ts";
import { checkKubernetes } from "./check-kubernetes.ts";
import { kubeSession } from "./kube-session.ts";
import { kubernetesDetailSchema, type KubernetesDetail } from "./kubernetes-detail.ts";
import { kubernetesEngine } from "./kubernetes-engine.ts";
import { planKubernetes, type KubernetesPlan } from "./plan.ts";
import { renderKubernetes } from "./render.ts";
import { kubernetesStatus } from "./states.ts";
import { submitKubernetes } from "./submit-kubernetes.ts";

/** What the kubernetes executor cannot do, and why. */
export const KUBERNETES_CAPABILITIES: Capabilities = {
  unsupported: {
    array: "job arrays are a Slurm feature; launch one job per index instead",
    dependencies: "waiting for other jobs is a Slurm feature here; chain the launches in your script",
  },
};

/**
 * The kubernetes executor: a batch/v1 Job per slipway job (an Indexed Job with a headless Service for more than one
 * node), secret variables in a per-job Secret that pods read through `secretKeyRef` and that the Job owns. The Job
 * is named after the slipway id, so a retried submit finds it instead of making a second one.
 *
 * @example
 * ```ts
 * const executor = kubernetesModule.create(profile, tracking, context);
 * const submitted = await executor.submit(executor.plan(job));
 * console.log(submitted.nativeId); // "sft-k3j9x2", the Job's name
 * ```
 */
export const kubernetesModule: ExecutorModule<"kubernetes", KubernetesPlan, KubernetesDetail> = {
  kind: "kubernetes",
  capabilities: KUBERNETES_CAPABILITIES,
  detail: kubernetesDetailSchema,
  create: createKubernetesExecutor,
  engine: (job, context) => kubernetesEngine(job.id, job.files, job.detail, context),
  check: (profile, context) => checkKubernetes(profile, context),
};

function createKubernetesExecutor(
  profile: KubernetesProfile,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Executor<KubernetesPlan, KubernetesDetail> {
  return {
    kind: "kubernetes",
    profile,
    capabilities: KUBERNETES_CAPABILITIES,
    tracking,
    notices: [],
    plan: (job: Job) => planKubernetes(job, profile),
    render: renderKubernetes,
    async submit(plan: KubernetesPlan, options: SubmitOptions = {}): Promise<Submitted<KubernetesDetail>> {
      const session = await kubeSession(plan.target, context);
      const job = await submitKubernetes(plan, session.api, options.code);
      const { access } = session.api;
      const detail: KubernetesDetail = {
        namespace: plan.namespace,
        server: access.server,
        context: access.context,
        kubeconfig: [...access.files],
        uid: job.metadata.uid,
        nodes: plan.nodes,
        ...(plan.tasks === undefined ? {} : { tasks: plan.tasks }),
        graceSeconds: profile.settings.graceSeconds,
      };
      return {
        nativeId: job.metadata.name,
        status: kubernetesStatus(job, undefined, false),
        detail,
        engine: kubernetesEngine(plan.jobId, context.store.files(plan.jobId), detail, context),
      };
    },
  };
}
