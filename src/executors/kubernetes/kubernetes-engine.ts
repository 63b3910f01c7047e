import { existsSync, openSync, writeSync, closeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { SlipwayError } from "../../errors.ts";
import type { JobStatus } from "../../job/job-state.ts";
import type { JobFiles } from "../../store/job-files.ts";
import type { JobEngine, LogSaver } from "../executor-module.ts";
import { tailFiles } from "../tail-file.ts";
import type { CleanupResult, LogEntry, LogOptions } from "../types.ts";
import { readAll } from "./kube-api.ts";
import type { KubeSurroundings } from "./kube-config.ts";
import { collectionPath, deleteJob, listPods, patchJob } from "./kube-objects-api.ts";
import { podIndex, type KubeJob, type KubeList, type KubePod } from "./kube-objects.ts";
import { neverFits, type KubeNode, type PodDemand } from "./node-fit.ts";
import { kubeSession, type KubeSession } from "./kube-session.ts";
import type { KubernetesDetail } from "./kubernetes-detail.ts";
import { ANNOTATION_CANCELLED } from "./plan.ts";
import { podLogEntries } from "./pod-logs.ts";
import { sweepTaskStates } from "./sweep-task-states.ts";
import { CONTAINER_NAME } from "./pod-spec.ts";
import { kubernetesStatus, needsPods } from "./states.ts";

/**
 * A kubernetes job's engine: status from one batched LIST of Jobs (pods only when the Job alone cannot say why it
 * waits or how it failed), stop as "mark cancelled, keep each pod's log to its end, delete with propagation
 * Foreground" (the pods get SIGTERM and the grace period; the Secret and Service go with the Job), logs from the
 * kubelet (stdout and stderr merged, as Kubernetes keeps them), cleanup as "save each node's log, then delete the
 * Job in the background".
 *
 * @example
 * ```ts
 * const engine = kubernetesEngine("sft-k3j9x2", store.files("sft-k3j9x2"), detail, surroundings);
 * await engine.probe(); // { state: "running", raw: "Running", … }
 * ```
 */
export function kubernetesEngine(
  id: string,
  files: JobFiles,
  detail: KubernetesDetail,
  around: KubeSurroundings,
): JobEngine {
  const { namespace } = detail;
  const session = (): Promise<KubeSession> =>
    kubeSession(
      {
        kubeconfig: detail.kubeconfig.length === 0 ? undefined : detail.kubeconfig,
        context: detail.context === "" ? undefined : detail.context,
      },
      around,
    );
  const cancelRequested = (): boolean => existsSync(files.cancelRequested);
  // Asked once per engine, the first time the scheduler finds no room: whether any node could ever hold a pod.
  let fits: Promise<string | undefined> | undefined;
  const neverRuns = (s: KubeSession, job: KubeJob): Promise<string | undefined> =>
    (fits ??= s.api
      .json<KubeList<KubeNode>>({ method: "GET", path: "/api/v1/nodes" })
      .then((nodes) => neverFits(demandOf(job), nodes.items))
      // Users with a namespaced Role cannot list nodes: then the scheduler's message is all there is.
      .catch(() => undefined));
  // The Job of this record: one of the same name made later (after a delete) is another job.
  const findJob = async (s: KubeSession) => {
    const job = await s.jobs.get(namespace, id);
    return job?.metadata.uid === detail.uid ? job : undefined;
  };
  // One log per pod index: the nodes of a multi-node job, the combinations of a sweep.
  const indexed = detail.nodes > 1 || detail.tasks !== undefined;
  const savedLog = (index: number | undefined): string =>
    files.log("stdout", indexed ? (index ?? 0) : undefined);

  async function* entries(options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<LogEntry> {
    // Kubernetes keeps one log per container, stdout and stderr merged: all of it is stdout.
    if (options.stream === "stderr") return;
    const s = await session();
    // Following, an API server away for a moment is waited for (below), not an error.
    const gone = await findJob(s).then(
      (job) => job === undefined,
      (error: unknown) => {
        if (options.follow === true && isUnreachable(error)) return false;
        throw error;
      },
    );
    if (gone) {
      // Deleted (cancelled, or by someone else): what slipway saved before it went.
      for await (const line of tailFiles([{ path: savedLog(options.index) }], {
        follow: false,
        isDone: () => Promise.resolve(true),
      })) {
        yield { stream: "stdout", line };
      }
      return;
    }
    yield* podLogEntries(
      s.api,
      {
        namespace,
        jobId: id,
        index: options.index ?? 0,
        follow: options.follow === true,
        signal: options.signal,
      },
      isDone,
    );
  }

  return {
    poll: {
      firstMs: 200,
      maxMs: 5000,
      factor: 1.5,
      // Foreground deletion waits for the pods: SIGTERM, the grace period, then SIGKILL.
      cancelDeadlineMs: () => (detail.graceSeconds + 60) * 1000,
    },

    async probe(): Promise<JobStatus> {
      const s = await session();
      const job = await findJob(s);
      const pods = job !== undefined && needsPods(job) ? await listPods(s.api, namespace, id) : undefined;
      const status = kubernetesStatus(job, pods, cancelRequested());
      const never =
        job !== undefined && status.raw === "Pending/Unschedulable" ? await neverRuns(s, job) : undefined;
      return never === undefined ? status : { ...status, blocked: never };
    },

    async stop(): Promise<void> {
      const s = await session();
      if ((await findJob(s)) === undefined) return;
      const marked = await patchJob(s.api, namespace, id, {
        metadata: { annotations: { [ANNOTATION_CANCELLED]: new Date().toISOString() } },
      });
      if (marked === undefined) return;
      // The logs go with the pods: follow each node's log to its end (the lines its SIGTERM handler writes too).
      const keeping = latestPerIndex(await listPods(s.api, namespace, id)).map((pod) =>
        keepLog(s, namespace, pod, savedLog(podIndex(pod))),
      );
      await deleteJob(s.api, namespace, id, "Foreground");
      const bound = sleep((detail.graceSeconds + 15) * 1000, undefined, { ref: false });
      await Promise.race([Promise.allSettled(keeping), bound]);
    },

    ...(detail.tasks === undefined
      ? {}
      : {
          async tasks(): Promise<ReadonlyMap<number, JobStatus>> {
            const s = await session();
            const job = await findJob(s);
            const pods = job === undefined ? [] : await listPods(s.api, namespace, id);
            return sweepTaskStates(job, pods, detail.tasks ?? 0, cancelRequested());
          },
        }),

    async changed(ms: number, signal: AbortSignal | undefined): Promise<void> {
      const s = await session().catch(() => undefined);
      if (s === undefined) await sleep(ms, undefined, { signal }).catch(() => undefined);
      else await s.watcher.changed(namespace, id, ms, signal);
    },

    async *logs(options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<string> {
      for await (const entry of entries(options, isDone)) yield entry.line;
    },

    entries,

    async cleanup(save: LogSaver): Promise<CleanupResult> {
      const s = await session();
      if ((await findJob(s)) === undefined)
        return { cleaned: false, message: "already deleted from Kubernetes" };
      for (const pod of latestPerIndex(await listPods(s.api, namespace, id))) {
        const text = await readAll(
          await s.api.stream({
            method: "GET",
            path: `${collectionPath(namespace, "pods")}/${pod.metadata.name}/log`,
            query: { container: CONTAINER_NAME },
          }),
        ).catch(() => "");
        save("stdout", text, indexed ? podIndex(pod) : undefined);
      }
      await deleteJob(s.api, namespace, id, "Background");
      return {
        cleaned: true,
        message: `deleted Job ${namespace}/${id} with its pods and Secret (logs kept)`,
      };
    },
  };
}

function isUnreachable(error: unknown): boolean {
  return error instanceof SlipwayError && error.code === "ENGINE_UNREACHABLE";
}

/** What each pod of a Job asks of a node. */
function demandOf(job: KubeJob): PodDemand {
  const spec = job.spec?.template?.spec;
  const resources = spec?.containers?.[0]?.resources;
  return {
    resources: { ...resources?.limits, ...resources?.requests },
    nodeSelector: spec?.nodeSelector ?? {},
  };
}

/** The newest pod of each completion index. */
function latestPerIndex(pods: readonly KubePod[]): KubePod[] {
  const byIndex = new Map<number, KubePod>();
  for (const pod of pods) byIndex.set(podIndex(pod), pod);
  return [...byIndex.values()];
}

// Follows one pod's log into a file (0600) until the stream ends: the container stopped, or the pod is gone.
async function keepLog(s: KubeSession, namespace: string, pod: KubePod, path: string): Promise<void> {
  const fd = openSync(path, "w", 0o600);
  try {
    const response = await s.api.stream({
      method: "GET",
      path: `${collectionPath(namespace, "pods")}/${pod.metadata.name}/log`,
      query: { container: CONTAINER_NAME, follow: true },
    });
    for await (const chunk of response) writeSync(fd, chunk as Buffer);
  } catch {
    // A pod that never started has no log; a stream cut by the deletion keeps what came.
  } finally {
    closeSync(fd);
  }
}
