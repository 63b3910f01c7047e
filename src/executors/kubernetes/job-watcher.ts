import type { IncomingMessage } from "node:http";
import type { KubeApi } from "./kube-api.ts";
import { collectionPath } from "./kube-objects-api.ts";
import { LABEL_EXECUTOR } from "./plan.ts";

interface Stream {
  readonly abort: AbortController;
  idle: NodeJS.Timeout | undefined;
}

/** How long a watch with nobody waiting stays open, for the next `wait()` turn. */
const LINGER_MS = 5_000;
/** The server ends a watch after this long; it is opened again from the last version seen. */
const WATCH_SECONDS = 300;

/**
 * Wakes `wait()` when a Job changes instead of after a fixed poll: one watch per namespace on slipway's Jobs
 * (`labelSelector=slipway.dev/executor=kubernetes`), shared by every job of the session, opened from the
 * `resourceVersion` of the last LIST, reopened from the last version seen when the server ends it (bookmarks keep
 * that version fresh), and from scratch after a 410 Gone. Every wait stays bounded by its own timeout, so a watch
 * that fails costs latency, never correctness.
 *
 * @example
 * ```ts
 * await watcher.changed("ml", "sft-k3j9x2", 2000, signal); // at most 2 s, less when the Job changes
 * ```
 */
export class JobWatcher {
  readonly #api: KubeApi;
  readonly #versions: (namespace: string) => string | undefined;
  readonly #waiting = new Map<string, Map<string, Set<() => void>>>();
  readonly #streams = new Map<string, Stream>();
  readonly #seen = new Map<string, string>();

  /** `versions` gives the resourceVersion of the latest LIST of a namespace, where one was made. */
  constructor(api: KubeApi, versions: (namespace: string) => string | undefined) {
    this.#api = api;
    this.#versions = versions;
  }

  changed(namespace: string, name: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const byName = this.#waiting.get(namespace) ?? new Map<string, Set<() => void>>();
      this.#waiting.set(namespace, byName);
      const waiters = byName.get(name) ?? new Set<() => void>();
      byName.set(name, waiters);
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        waiters.delete(done);
        if (waiters.size === 0) byName.delete(name);
        if (byName.size === 0) this.#idle(namespace);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      waiters.add(done);
      this.#open(namespace);
    });
  }

  #open(namespace: string): void {
    const stream = this.#streams.get(namespace);
    if (stream !== undefined) {
      clearTimeout(stream.idle);
      stream.idle = undefined;
      return;
    }
    const abort = new AbortController();
    this.#streams.set(namespace, { abort, idle: undefined });
    void this.#run(namespace, abort.signal).finally(() => {
      if (this.#streams.get(namespace)?.abort === abort) this.#streams.delete(namespace);
    });
  }

  #idle(namespace: string): void {
    const stream = this.#streams.get(namespace);
    if (stream === undefined) return;
    stream.idle = setTimeout(() => {
      stream.abort.abort();
      this.#streams.delete(namespace);
    }, LINGER_MS);
    stream.idle.unref();
  }

  async #run(namespace: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const from = this.#seen.get(namespace) ?? this.#versions(namespace);
      let response: IncomingMessage;
      try {
        response = await this.#api.stream({
          method: "GET",
          path: collectionPath(namespace, "jobs"),
          query: {
            watch: true,
            labelSelector: `${LABEL_EXECUTOR}=kubernetes`,
            allowWatchBookmarks: true,
            timeoutSeconds: WATCH_SECONDS,
            resourceVersion: from,
          },
          signal,
        });
      } catch {
        // Waiters fall back to their own timeouts; the next turn of a wait opens the watch again.
        return;
      }
      let partial = "";
      try {
        for await (const chunk of response) {
          const lines = (partial + (chunk as Buffer).toString("utf8")).split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) if (line.trim() !== "") this.#event(namespace, line);
        }
      } catch {
        return;
      }
    }
  }

  #event(namespace: string, line: string): void {
    let event: {
      type?: string;
      object?: { code?: number; metadata?: { name?: string; resourceVersion?: string } };
    };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    if (event.type === "ERROR") {
      // 410 Gone: the version is too old; start again from the current state (everyone re-reads once).
      this.#seen.delete(namespace);
      for (const waiters of this.#waiting.get(namespace)?.values() ?? [])
        for (const wake of [...waiters]) wake();
      return;
    }
    const version = event.object?.metadata?.resourceVersion;
    if (version !== undefined) this.#seen.set(namespace, version);
    if (event.type === "BOOKMARK") return;
    const name = event.object?.metadata?.name;
    const waiters = name === undefined ? undefined : this.#waiting.get(namespace)?.get(name);
    for (const wake of [...(waiters ?? [])]) wake();
  }
}
