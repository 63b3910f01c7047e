import { KubeApi } from "./kube-api.ts";
import { loadKubeAccess, type KubeSurroundings, type KubeTarget } from "./kube-config.ts";
import { JobLister } from "./job-lister.ts";
import { JobWatcher } from "./job-watcher.ts";

/** One cluster as this process talks to it: the API client and the batched Job lister. */
export interface KubeSession {
  readonly api: KubeApi;
  readonly jobs: JobLister;
  readonly watcher: JobWatcher;
}

const sessions = new Map<string, Promise<KubeSession>>();

/**
 * The session of a target, made once per process and kubeconfig/context: every job of a cluster shares its
 * connection pool, its credentials (an exec plugin runs once) and one LIST per status tick. A session that failed to
 * load is forgotten, so a later call tries again.
 *
 * @example
 * ```ts
 * const { api, jobs } = await kubeSession({ kubeconfig: undefined, context: "lab" }, surroundings);
 * ```
 */
export function kubeSession(target: KubeTarget, around: KubeSurroundings): Promise<KubeSession> {
  const key = JSON.stringify([
    target.kubeconfig,
    target.context,
    around.env["KUBECONFIG"] ?? "",
    around.homeDir,
  ]);
  let session = sessions.get(key);
  if (session === undefined) {
    session = loadKubeAccess(target, around).then((access) => {
      const api = new KubeApi(access);
      const jobs = new JobLister(api);
      return { api, jobs, watcher: new JobWatcher(api, (namespace) => jobs.version(namespace)) };
    });
    session.catch(() => sessions.delete(key));
    sessions.set(key, session);
  }
  return session;
}
