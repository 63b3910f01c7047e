import type { JobStatus } from "../../job/job-state.ts";
import { podIndex, type KubeJob, type KubePod } from "./kube-objects.ts";
import { ANNOTATION_CANCELLED } from "./plan.ts";
import { kubernetesStatus } from "./states.ts";

/**
 * The indexes an Indexed Job's status lists (`"0-2,5"` → 0, 1, 2, 5).
 *
 * @example
 * ```ts
 * indexesOf("0-2,5"); // Set {0, 1, 2, 5}
 * ```
 */
export function indexesOf(text: string | undefined): Set<number> {
  const indexes = new Set<number>();
  for (const part of (text ?? "").split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (match === null) continue;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let i = first; i <= last; i++) indexes.add(i);
  }
  return indexes;
}

/**
 * Each task of a sweep's Indexed Job, by completion index: succeeded or failed as the Job's `completedIndexes` and
 * `failedIndexes` say (each index has its own retries), else as the index's newest pod stands — running, pending
 * (with why), or pending "waiting for a slot" when `parallelism` has not started it yet. After a cancel every task
 * that had not succeeded is cancelled; with the Job gone, every task is what the Job's own status says.
 *
 * @example
 * ```ts
 * sweepTaskStates(job, pods, 4, false).get(2); // { state: "running", raw: "Running", … }
 * ```
 */
export function sweepTaskStates(
  job: KubeJob | undefined,
  pods: readonly KubePod[],
  tasks: number,
  cancelRequested: boolean,
): Map<number, JobStatus> {
  const states = new Map<number, JobStatus>();
  if (job === undefined) {
    const gone = kubernetesStatus(undefined, undefined, cancelRequested);
    for (let i = 0; i < tasks; i++) states.set(i, gone);
    return states;
  }
  const completed = indexesOf(job.status?.completedIndexes);
  const failed = indexesOf(job.status?.failedIndexes);
  const cancelled = cancelRequested || job.metadata.annotations?.[ANNOTATION_CANCELLED] !== undefined;
  const newest = new Map<number, KubePod>();
  for (const pod of [...pods].sort((a, b) =>
    (a.metadata.creationTimestamp ?? "") < (b.metadata.creationTimestamp ?? "") ? -1 : 1,
  )) {
    newest.set(podIndex(pod), pod);
  }
  for (let i = 0; i < tasks; i++) {
    const pod = newest.get(i);
    if (completed.has(i)) {
      states.set(i, { state: "succeeded", raw: "Complete", exitCode: 0, reason: undefined });
    } else if (cancelled) {
      states.set(i, { state: "cancelled", raw: "cancelled", exitCode: undefined, reason: "cancelled" });
    } else if (failed.has(i)) {
      const code = exitCodeOf(pod);
      states.set(i, {
        state: "failed",
        raw: "Failed",
        exitCode: code,
        reason: code === undefined ? "failed" : `exited with code ${code}`,
      });
    } else if (pod === undefined) {
      states.set(i, {
        state: "pending",
        raw: "Pending",
        exitCode: undefined,
        reason: "waiting for a slot (the sweep's parallelism)",
      });
    } else if (pod.status?.phase === "Succeeded") {
      states.set(i, { state: "succeeded", raw: "Succeeded", exitCode: 0, reason: undefined });
    } else if (pod.status?.phase === "Failed") {
      const code = exitCodeOf(pod);
      const why = code === undefined ? "failed" : `exited with code ${code}`;
      states.set(i, { state: "pending", raw: "Retrying", exitCode: undefined, reason: `${why}; retrying` });
    } else {
      // One pod alone, as a Job of one pod: running, or pending with the scheduler's or kubelet's reason.
      const one = kubernetesStatus({ ...job, status: {} }, [pod], false);
      states.set(i, one.state === "running" ? one : { ...one, state: "pending" });
    }
  }
  return states;
}

function exitCodeOf(pod: KubePod | undefined): number | undefined {
  for (const status of pod?.status?.containerStatuses ?? []) {
    const code = status.state?.terminated?.exitCode ?? status.lastState?.terminated?.exitCode;
    if (code !== undefined) return code;
  }
  return undefined;
}
