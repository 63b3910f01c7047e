import type { KubernetesProfile } from "../../config/types.ts";
import type { Job, SweepTasks } from "../../job/job.ts";
import { SlipwayError } from "../../errors.ts";
import { slurmTimeSeconds } from "../../config/slurm-time.ts";
import { splitEnv } from "../../job/split-env.ts";
import type { ShippedCode } from "../../package/code-package.ts";
import type { Secret } from "../../secret.ts";
import type { Plan } from "../types.ts";
import type { KubeTarget } from "./kube-config.ts";
import { sweepParams } from "../slurm/sweep-params.ts";
import { podSpec, SWEEP_PARAMS_KEY } from "./pod-spec.ts";

/** Labels that let slipway find its objects again. */
export const LABEL_JOB_ID = "slipway.dev/job-id";
export const LABEL_PROFILE = "slipway.dev/profile";
export const LABEL_EXECUTOR = "slipway.dev/executor";
/** Set on the Job when slipway cancels it: Kubernetes has no cancelled state. */
export const ANNOTATION_CANCELLED = "slipway.dev/cancelled-at";
export const KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";

/** A Kubernetes object as slipway writes it: plain JSON. */
export type Manifest = { readonly apiVersion: string; readonly kind: string } & Readonly<
  Record<string, unknown>
>;

/**
 * The kubernetes executor's native request: the manifests, and the secret values the per-job Secret will hold
 * (kept apart: a manifest never holds a secret, the Secret's `data` is filled in at submit).
 *
 * @example
 * ```ts
 * const plan = planKubernetes(job, profile);
 * plan.job.spec; // { suspend: true, backoffLimit: 0, template: { … } }
 * ```
 */
export interface KubernetesPlan extends Plan {
  readonly executor: "kubernetes";
  readonly namespace: string;
  readonly target: KubeTarget;
  /** The Job, created suspended. */
  readonly job: Manifest;
  /** The per-job Secret without its data and owner (both added at submit); absent without secrets or with `secret_name`. */
  readonly secret:
    { readonly manifest: Manifest; readonly values: Readonly<Record<string, Secret>> } | undefined;
  /** The headless Service multi-node pods find rank 0 through. */
  readonly service: Manifest | undefined;
  /** The ConfigMap of the shipped code, without its archive (added at submit); absent with `package = "none"`. */
  readonly code: { readonly manifest: Manifest; readonly summary: ShippedCode } | undefined;
  /** A sweep's ConfigMap: `params.sh`, the combination of each completion index (no secret in it). */
  readonly sweep: Manifest | undefined;
  /** A sweep: how many combinations its Indexed Job runs, one per completion index. */
  readonly tasks: number | undefined;
  /** Kueue admits the job: it stays suspended until then. */
  readonly queued: boolean;
  readonly nodes: number;
}

/** The per-job Secret's name. */
export function secretNameOf(jobId: string): string {
  return `${jobId}-env`;
}

/** The code ConfigMap's name. */
export function codeConfigMapOf(jobId: string): string {
  return `${jobId}-code`;
}

/** What a ConfigMap may hold in all (keys and values), as the API server checks it. */
export const CONFIGMAP_LIMIT = 1024 * 1024;

/** The sweep ConfigMap's name. */
export function sweepConfigMapOf(jobId: string): string {
  return `${jobId}-sweep`;
}

/** The headless Service's name: a DNS-1035 label (it must start with a letter; job ids may start with a digit). */
export function serviceNameOf(jobId: string): string {
  return `slipway-${jobId}`;
}

/**
 * Plans a kubernetes job. Pure: the same job and profile always give the same plan.
 *
 * @example
 * ```ts
 * console.log(renderKubernetes(planKubernetes(job, profile)));
 * ```
 */
export function planKubernetes(job: Job, profile: KubernetesProfile): KubernetesPlan {
  const { settings } = profile;
  const { namespace } = settings;
  const deadline = job.time === undefined ? settings.timeLimitSeconds : slurmTimeSeconds(job.time);
  const split = splitEnv(job);
  const hasSecrets = Object.keys(split.secrets).length > 0;
  const secretName = settings.secretName ?? (hasSecrets ? secretNameOf(job.id) : undefined);
  const nodes = job.resources.nodes;
  const { sweep } = job;
  const service = nodes > 1 ? serviceNameOf(job.id) : undefined;
  const labels = objectLabels(job, profile);
  const { queue } = settings;
  const queued = queue !== undefined;
  const jobLabels = queue === undefined ? labels : { ...labels, [KUEUE_QUEUE_LABEL]: queue };
  const metadata = (name: string, extra: Record<string, string> = labels) => ({
    name,
    namespace,
    labels: extra,
    annotations: { "slipway.dev/name": job.name, "slipway.dev/profile": profile.name },
  });
  return {
    executor: "kubernetes",
    jobId: job.id,
    namespace,
    target: { kubeconfig: settings.kubeconfig, context: settings.context },
    job: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: metadata(job.id, jobLabels),
      spec: {
        suspend: true,
        // A sweep's combinations fail and retry one by one: one failing does not end the others.
        ...(sweep === undefined
          ? { backoffLimit: job.retries ?? settings.retries }
          : { backoffLimitPerIndex: job.retries ?? settings.retries }),
        // A recipe's `time` wins over the profile's.
        ...(deadline === undefined ? {} : { activeDeadlineSeconds: deadline }),
        ...(settings.ttlSecondsAfterFinished === undefined
          ? {}
          : { ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished }),
        ...(sweep !== undefined
          ? {
              completionMode: "Indexed",
              completions: sweep.tasks.length,
              parallelism: sweep.maxParallel ?? sweep.tasks.length,
              podReplacementPolicy: "Failed",
            }
          : {}),
        ...(nodes > 1
          ? {
              completionMode: "Indexed",
              completions: nodes,
              parallelism: nodes,
              podReplacementPolicy: "Failed",
            }
          : {}),
        template: {
          metadata: { labels },
          spec: podSpec(job, settings, {
            plain: split.plain,
            secretNames: Object.keys(split.secrets),
            secretName,
            service,
            code:
              job.code === undefined
                ? undefined
                : { configMap: codeConfigMapOf(job.id), subdir: job.code.subdir },
            sweep: sweep === undefined ? undefined : sweepConfigMapOf(job.id),
          }),
        },
      },
    },
    secret:
      hasSecrets && settings.secretName === undefined
        ? {
            manifest: {
              apiVersion: "v1",
              kind: "Secret",
              metadata: metadata(secretNameOf(job.id)),
              type: "Opaque",
              immutable: true,
            },
            values: split.secrets,
          }
        : undefined,
    service:
      service === undefined
        ? undefined
        : {
            apiVersion: "v1",
            kind: "Service",
            metadata: metadata(service),
            spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: { [LABEL_JOB_ID]: job.id } },
          },
    code:
      job.code === undefined
        ? undefined
        : {
            manifest: {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: metadata(codeConfigMapOf(job.id)),
              immutable: true,
            },
            summary: job.code,
          },
    sweep:
      sweep === undefined
        ? undefined
        : {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: metadata(sweepConfigMapOf(job.id)),
            immutable: true,
            data: { [SWEEP_PARAMS_KEY]: sweepScript(sweep) },
          },
    tasks: sweep?.tasks.length,
    queued,
    nodes,
  };
}

function objectLabels(job: Job, profile: KubernetesProfile): Record<string, string> {
  return {
    ...profile.settings.labels,
    [LABEL_JOB_ID]: job.id,
    [LABEL_PROFILE]: labelValue(profile.name),
    [LABEL_EXECUTOR]: "kubernetes",
  };
}

// A label value is at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric; the exact profile
// name is kept in an annotation.
function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** A sweep's parameter script, refused (before anything is created) when over what a ConfigMap holds. */
function sweepScript(sweep: SweepTasks): string {
  const script = sweepParams(sweep, "sh");
  const bytes = Buffer.byteLength(script) + SWEEP_PARAMS_KEY.length;
  if (bytes > CONFIGMAP_LIMIT) {
    throw new SlipwayError(
      "RECIPE_INVALID",
      `the sweep's ${sweep.tasks.length} combinations take ${bytes} bytes, over the 1 MiB a Kubernetes ConfigMap holds`,
      { hint: "split the sweep, or shorten the command and values" },
    );
  }
  return script;
}
