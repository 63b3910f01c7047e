import type { RaySubmitBody } from "./plan.ts";

/**
 * What a job's entrypoint asks Ray for, in Ray's resource names (`CPU`, `GPU`, `memory`, custom ones).
 *
 * @example
 * ```ts
 * entrypointDemand({ entrypoint_num_cpus: 1, entrypoint_resources: { slipway_test: 5 } }); // { CPU: 1, slipway_test: 5 }
 * ```
 */
export function entrypointDemand(
  body: Pick<
    RaySubmitBody,
    "entrypoint_num_cpus" | "entrypoint_num_gpus" | "entrypoint_memory" | "entrypoint_resources"
  >,
): Record<string, number> {
  return {
    ...(body.entrypoint_num_cpus === undefined ? {} : { CPU: body.entrypoint_num_cpus }),
    ...(body.entrypoint_num_gpus === undefined ? {} : { GPU: body.entrypoint_num_gpus }),
    ...(body.entrypoint_memory === undefined ? {} : { memory: body.entrypoint_memory }),
    ...body.entrypoint_resources,
  };
}

/**
 * Why no alive node can ever hold the entrypoint (it runs on one node), as a hint; `undefined` when one can. Zero
 * requests are ignored. A cluster with an autoscaler may add bigger nodes later: this looks at the nodes there now.
 *
 * @example
 * ```ts
 * unmetDemand({ slipway_test: 5 }, [{ CPU: 2, slipway_test: 4 }]);
 * // "no node of the Ray cluster has slipway_test 5 (the most on one node: 4); ask for less in the profile's resources"
 * ```
 */
export function unmetDemand(
  demand: Readonly<Record<string, number>>,
  nodes: readonly Readonly<Record<string, number>>[],
): string | undefined {
  const asked = Object.entries(demand).filter(([, amount]) => amount > 0);
  if (asked.length === 0 || nodes.length === 0) return undefined;
  if (nodes.some((node) => asked.every(([name, amount]) => (node[name] ?? 0) >= amount))) return undefined;
  // Name the first resource that no node has enough of; else the combination is what no single node offers.
  const short = asked.find(([name, amount]) => nodes.every((node) => (node[name] ?? 0) < amount));
  if (short === undefined) {
    const wanted = asked.map(([name, amount]) => `${name} ${amount}`).join(", ");
    return `no single node of the Ray cluster has ${wanted} together; ask for less (num_cpus, num_gpus, memory, resources)`;
  }
  const [name, amount] = short;
  const most = Math.max(...nodes.map((node) => node[name] ?? 0));
  const setting = SETTING[name] ?? "resources";
  return `no node of the Ray cluster has ${name} ${amount} (the most on one node: ${most}); ask for less in the profile's ${setting}`;
}

const SETTING: Readonly<Record<string, string>> = { CPU: "num_cpus", GPU: "num_gpus", memory: "memory" };
