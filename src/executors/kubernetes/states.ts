import type { JobStatus } from "../../job/job-state.ts";
import type { KubeCondition, KubeContainerState, KubeJob, KubePod } from "./kube-objects.ts";
import { ANNOTATION_CANCELLED, KUEUE_QUEUE_LABEL } from "./plan.ts";

/** Container waiting reasons that keep a pod from ever starting until someone acts: shown at once as `blocked`. */
export const BLOCKING_WAIT_REASONS: ReadonlySet<string> = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

/**
 * The status of a Job slipway submitted, from the Job (its conditions), and its pods where the Job alone cannot
 * say why it waits or how it ended; `undefined` for a Job the API no longer has.
 *
 * | Kubernetes | slipway |
 * |---|---|
 * | `Complete` | succeeded (exit 0) |
 * | `Failed` (`BackoffLimitExceeded`, `DeadlineExceeded`, `PodFailurePolicy`, …) | failed, with the failed container's exit code and reason (OOMKilled, evicted) |
 * | `FailureTarget` / `SuccessCriteriaMet` | running until the pods are gone ("failing", "finishing") |
 * | `Suspended`, or no pod running | pending: the scheduler's message as the reason; `blocked` when a pod cannot start until someone acts (image, Secret) |
 * | a pod running | running |
 * | slipway's cancel annotation or marker | cancelled once the pods are gone |
 * | NotFound | cancelled after a cancel, else failed ("deleted") |
 *
 * @example
 * ```ts
 * kubernetesStatus(job, pods, false); // { state: "failed", raw: "Failed", exitCode: 3, reason: "BackoffLimitExceeded: …" }
 * ```
 */
export function kubernetesStatus(
  job: KubeJob | undefined,
  pods: readonly KubePod[] | undefined,
  cancelRequested: boolean,
): JobStatus {
  if (job === undefined) {
    return cancelRequested
      ? { state: "cancelled", raw: "deleted", exitCode: undefined, reason: "cancelled" }
      : {
          state: "failed",
          raw: "deleted",
          exitCode: undefined,
          reason: "the Job was deleted from Kubernetes before slipway saw how it ended",
        };
  }
  const cancelled = cancelRequested || job.metadata.annotations?.[ANNOTATION_CANCELLED] !== undefined;
  const conditions = job.status?.conditions ?? [];
  const complete = condition(conditions, "Complete");
  if (complete !== undefined) return { state: "succeeded", raw: "Complete", exitCode: 0, reason: undefined };
  const failed = condition(conditions, "Failed");
  if (failed !== undefined) {
    if (cancelled) return { state: "cancelled", raw: "Failed", exitCode: undefined, reason: "cancelled" };
    const end = podEnd(pods ?? []);
    return {
      state: "failed",
      raw: `Failed/${failed.reason ?? ""}`.replace(/\/$/, ""),
      exitCode: end?.exitCode,
      reason: failureReason(failed, job, end),
    };
  }
  if (cancelled) {
    return {
      state: "running",
      raw: "Terminating",
      exitCode: undefined,
      reason: "cancel requested; the pods are stopping",
    };
  }
  const failing = condition(conditions, "FailureTarget");
  if (failing !== undefined) {
    return {
      state: "running",
      raw: "FailureTarget",
      exitCode: undefined,
      reason: `failing: ${failing.reason ?? ""}, waiting for the pods to end`,
    };
  }
  if (condition(conditions, "SuccessCriteriaMet") !== undefined) {
    return {
      state: "running",
      raw: "SuccessCriteriaMet",
      exitCode: undefined,
      reason: "finishing: waiting for the pods to end",
    };
  }
  if (condition(conditions, "Suspended") !== undefined || job.spec?.suspend === true) {
    const queue = job.metadata.labels?.[KUEUE_QUEUE_LABEL];
    return {
      state: "pending",
      raw: "Suspended",
      exitCode: undefined,
      reason: queue === undefined ? "suspended" : `waiting for Kueue to admit it (queue ${queue})`,
    };
  }
  if ((job.status?.ready ?? 0) > 0 || (pods ?? []).some((pod) => pod.status?.phase === "Running")) {
    return { state: "running", raw: "Running", exitCode: undefined, reason: undefined };
  }
  const why = whyPending(pods ?? []);
  return {
    state: "pending",
    raw: why === undefined ? "Pending" : `Pending/${why.reason}`,
    exitCode: undefined,
    reason: why?.blocks === false ? why.text : undefined,
    ...(why?.blocks === true ? { blocked: why.text } : {}),
  };
}

/** Whether {@link kubernetesStatus} needs the Job's pods to answer (why it waits, or how it failed). */
export function needsPods(job: KubeJob): boolean {
  const conditions = job.status?.conditions ?? [];
  if (condition(conditions, "Complete") !== undefined) return false;
  if (condition(conditions, "Failed") !== undefined) return true;
  if (job.spec?.suspend === true || job.metadata.annotations?.[ANNOTATION_CANCELLED] !== undefined)
    return false;
  return (job.status?.ready ?? 0) === 0;
}

function condition(conditions: readonly KubeCondition[], type: string): KubeCondition | undefined {
  return conditions.find((c) => c.type === type && c.status === "True");
}

interface PodEnd {
  readonly exitCode: number | undefined;
  readonly why: string | undefined;
}

// How the first pod that failed ended: its container's exit code and why (OOMKilled, evicted, a signal).
function podEnd(pods: readonly KubePod[]): PodEnd | undefined {
  const failed = [...pods]
    .filter((pod) => pod.status?.phase === "Failed")
    .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
  const pod = failed[0];
  if (pod === undefined) return undefined;
  if (pod.status?.reason === "Evicted") {
    return {
      exitCode: undefined,
      why: `evicted: ${pod.status.message ?? "the node ran short of resources"}`,
    };
  }
  const terminated = terminatedOf(pod);
  if (terminated === undefined) {
    return { exitCode: undefined, why: pod.status?.reason ?? pod.status?.message };
  }
  const code = terminated.exitCode;
  if (terminated.reason === "OOMKilled") {
    return { exitCode: code, why: `out of memory: the container was OOM-killed (exit ${code})` };
  }
  const signal = code > 128 && code < 160 ? ` (killed by signal ${code - 128})` : "";
  return { exitCode: code, why: `exited with code ${code}${signal}` };
}

function terminatedOf(pod: KubePod): NonNullable<KubeContainerState["terminated"]> | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  for (const status of statuses) {
    const terminated = status.state?.terminated ?? status.lastState?.terminated;
    if (terminated !== undefined && terminated.exitCode !== 0) return terminated;
  }
  return statuses[0]?.state?.terminated;
}

function failureReason(failed: KubeCondition, job: KubeJob, end: PodEnd | undefined): string {
  if (failed.reason === "DeadlineExceeded") {
    const limit = job.spec?.activeDeadlineSeconds;
    return `time limit reached${limit === undefined ? "" : ` (${limit} s)`}: the Job ran past activeDeadlineSeconds`;
  }
  const what = failed.reason === "BackoffLimitExceeded" ? "no retries left" : (failed.reason ?? "failed");
  return end?.why === undefined
    ? `${what}: ${failed.message ?? ""}`.replace(/: $/, "")
    : `${end.why} (${what})`;
}

/**
 * Why a pod has not started: a waiting container that only someone's action can unblock (`blocks`), or the
 * scheduler's message, which waiting may resolve (a cluster autoscaler adds nodes for unschedulable pods).
 */
function whyPending(
  pods: readonly KubePod[],
): { readonly reason: string; readonly text: string; readonly blocks: boolean } | undefined {
  for (const pod of pods) {
    for (const status of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]) {
      const waiting = status.state?.waiting;
      if (waiting?.reason !== undefined && BLOCKING_WAIT_REASONS.has(waiting.reason)) {
        return {
          reason: waiting.reason,
          text: `pod ${pod.metadata.name}: ${waiting.reason}: ${waiting.message ?? ""}`.trim(),
          blocks: true,
        };
      }
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
      return {
        reason: "Unschedulable",
        text: `pod ${pod.metadata.name} cannot be scheduled: ${scheduled.message ?? ""}`.trim(),
        blocks: false,
      };
    }
  }
  return undefined;
}
