import { spawnSync } from "node:child_process";
import type { KubernetesClusterAccess } from "./engine.ts";

/**
 * kubectl of the test cluster, admin credentials, in its test namespace: returns stdout, throws on a non-zero exit.
 *
 * @example
 * ```ts
 * const kubectl = kubectlOf(cluster);
 * kubectl("get", "jobs", "-o", "name");
 * ```
 */
export function kubectlOf(cluster: KubernetesClusterAccess): (...args: string[]) => string {
  return (...args) => {
    const result = spawnSync(
      cluster.kubectl,
      ["--kubeconfig", cluster.kubeconfig, "-n", cluster.namespace, ...args],
      {
        encoding: "utf8",
        // The namespace's events grow with every run: far more than the default 1 MiB.
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    if (result.status !== 0)
      throw new Error(`kubectl ${args.join(" ")}: ${result.error?.message ?? result.stderr}`);
    return result.stdout;
  };
}
