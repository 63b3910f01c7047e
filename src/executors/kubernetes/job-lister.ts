import type { KubeApi } from "./kube-api.ts";
import type { KubeJob, KubeList } from "./kube-objects.ts";
import { LABEL_EXECUTOR, LABEL_JOB_ID } from "./plan.ts";

interface Asked {
  readonly name: string;
  readonly resolve: (job: KubeJob | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** Ids named in one selector: 100 stay well under URL limits. */
const IDS_PER_LIST = 100;

/**
 * Answers "where is Job X" for many jobs of one cluster with one LIST per namespace: every `get` asked in the same
 * turn of the event loop joins one `GET …/jobs?labelSelector=slipway.dev/job-id in (…)` (beyond 100 jobs, one LIST
 * of every slipway Job of the namespace), as Slurm's status joins one `squeue`.
 *
 * @example
 * ```ts
 * const [a, b] = await Promise.all([lister.get("ml", "sft-k3j9x2"), lister.get("ml", "eval-8hq2mz")]); // one LIST
 * ```
 */
export class JobLister {
  readonly #api: KubeApi;
  readonly #asked = new Map<string, Asked[]>();
  readonly #versions = new Map<string, string>();

  constructor(api: KubeApi) {
    this.#api = api;
  }

  /** The resourceVersion of the latest LIST of a namespace (where a watch starts), if one was made. */
  version(namespace: string): string | undefined {
    return this.#versions.get(namespace);
  }

  /** The Job named `name` in `namespace`, or `undefined` when the API has none. */
  get(namespace: string, name: string): Promise<KubeJob | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#asked.size === 0) setImmediate(() => void this.#flush());
      const list = this.#asked.get(namespace) ?? [];
      list.push({ name, resolve, reject });
      this.#asked.set(namespace, list);
    });
  }

  async #flush(): Promise<void> {
    const asked = [...this.#asked];
    this.#asked.clear();
    await Promise.all(asked.map(([namespace, waiters]) => this.#answer(namespace, waiters)));
  }

  async #answer(namespace: string, waiters: readonly Asked[]): Promise<void> {
    try {
      const names = [...new Set(waiters.map((w) => w.name))].sort();
      // Up to 100 ids fit a selector naming them; beyond, every slipway Job of the namespace in the same one LIST.
      const selector =
        names.length === 1
          ? `${LABEL_JOB_ID}=${names[0] ?? ""}`
          : names.length <= IDS_PER_LIST
            ? `${LABEL_JOB_ID} in (${names.join(",")})`
            : `${LABEL_EXECUTOR}=kubernetes`;
      const list = await this.#api.json<KubeList<KubeJob>>({
        method: "GET",
        path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
        query: {
          labelSelector: selector,
        },
      });
      if (list.metadata.resourceVersion !== undefined)
        this.#versions.set(namespace, list.metadata.resourceVersion);
      const byName = new Map(list.items.map((job) => [job.metadata.name, job]));
      for (const waiter of waiters) waiter.resolve(byName.get(waiter.name));
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }
}
