import { setTimeout as sleep } from "node:timers/promises";
import { EngineError } from "../../errors.ts";
import type { LogEntry } from "../types.ts";
import type { KubeApi } from "./kube-api.ts";
import { collectionPath, listPods } from "./kube-objects-api.ts";
import { podIndex, type KubePod } from "./kube-objects.ts";
import { CONTAINER_NAME } from "./pod-spec.ts";

/** How a job's pod logs are read. */
export interface PodLogRequest {
  readonly namespace: string;
  readonly jobId: string;
  /** Which completion index (node) of a multi-node job; 0 by default. */
  readonly index: number;
  readonly follow: boolean;
  readonly signal: AbortSignal | undefined;
}

const RETRY_MS = 500;

/**
 * A job's container log as Kubernetes keeps it (stdout and stderr merged by the kubelet, each line with its time),
 * from the newest pod of the wanted index. With `follow`, it waits for the pod and its container to start, and when
 * the API server ends the stream before the job ended (it does: client-node's own source says so) it reconnects from
 * the last line's time, skipping lines already given, until `isDone()`; a final read then picks up what the last
 * stream missed.
 *
 * @example
 * ```ts
 * for await (const entry of podLogEntries(api, { namespace: "ml", jobId, index: 0, follow: true, signal }, isDone)) console.log(entry.line);
 * ```
 */
export async function* podLogEntries(
  api: KubeApi,
  request: PodLogRequest,
  isDone: () => Promise<boolean>,
): AsyncGenerator<LogEntry> {
  let last: string | undefined;
  // Entries of one read not given yet (by their full time), and whether the container had started.
  async function* fresh(pod: string, follow: boolean): AsyncGenerator<LogEntry, boolean> {
    try {
      for await (const entry of readPodLog(api, { ...request, follow }, pod, last)) {
        const key = sortableTime(entry.time ?? "");
        if (last !== undefined && key <= last) continue;
        last = key;
        yield entry;
      }
      return true;
    } catch (error) {
      // 400: the container has not started yet ("ContainerCreating"); 404: the pod is gone.
      if (error instanceof EngineError && (error.status === 400 || error.status === 404)) return false;
      // Following, a cut stream or an API server away for a while is read again from the last line's time.
      if (follow && isTransient(error)) return true;
      throw error;
    }
  }
  for (;;) {
    const pods = await listPods(api, request.namespace, request.jobId).catch((error: unknown) => {
      if (request.follow && isTransient(error)) return undefined;
      throw error;
    });
    const pod = pods === undefined ? undefined : newest(pods, request.index);
    const started = pod === undefined ? false : yield* fresh(pod.metadata.name, request.follow);
    if (!request.follow) return;
    if (await isDone()) {
      // The stream may have ended before the job did: one last read from the last line's time.
      if (pod !== undefined && started) yield* fresh(pod.metadata.name, false);
      return;
    }
    if (request.signal?.aborted === true) return;
    await sleep(RETRY_MS, undefined, { signal: request.signal }).catch(() => undefined);
  }
}

/** A network failure, or an API server that does not answer: worth trying again while following. */
function isTransient(error: unknown): boolean {
  if (error instanceof EngineError) return error.code === "ENGINE_UNREACHABLE";
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string";
}

/** The newest pod of a completion index. */
function newest(pods: readonly KubePod[], index: number): KubePod | undefined {
  return pods.filter((pod) => podIndex(pod) === index).at(-1);
}

async function* readPodLog(
  api: KubeApi,
  request: PodLogRequest,
  pod: string,
  since: string | undefined,
): AsyncGenerator<LogEntry> {
  const response = await api.stream({
    method: "GET",
    path: `${collectionPath(request.namespace, "pods")}/${pod}/log`,
    query: {
      container: CONTAINER_NAME,
      timestamps: true,
      follow: request.follow ? true : undefined,
      // The API takes whole seconds here: lines of that second come again and are skipped by their full time.
      sinceTime: since === undefined ? undefined : `${since.slice(0, 19)}Z`,
    },
    signal: request.signal,
    timeoutMs: 30_000,
  });
  let partial = "";
  try {
    for await (const chunk of response) {
      const text = partial + (chunk as Buffer).toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) yield entryOf(line);
    }
  } catch (error) {
    if (request.signal?.aborted !== true) throw error;
  }
  if (partial !== "") yield entryOf(partial);
}

// "2026-12-05T08:20:01.123456789Z text" → the entry; a line without a time keeps all its text.
function entryOf(line: string): LogEntry {
  const space = line.indexOf(" ");
  const time = space > 0 ? line.slice(0, space) : "";
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(time)) return { stream: "stdout", line };
  return { stream: "stdout", line: line.slice(space + 1), time };
}

// RFC 3339 with the fraction padded to nanoseconds, so that times compare as strings.
function sortableTime(time: string): string {
  const match = /^(.{19})(?:\.(\d+))?Z$/.exec(time);
  if (match === null) return time;
  return `${match[1] ?? ""}.${(match[2] ?? "").padEnd(9, "0")}Z`;
}
