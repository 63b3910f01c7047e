import { parseQuantity } from "./quantity.ts";

/** What a pod asks of one node: its resource requests (limits where no request is set) and its node selector. */
export interface PodDemand {
  readonly resources: Readonly<Record<string, string>>;
  readonly nodeSelector: Readonly<Record<string, string>>;
}

/** The fields of a Node that the fit check reads. */
export interface KubeNode {
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly status?: { readonly allocatable?: Readonly<Record<string, string>> };
}

/**
 * Why no node of the cluster could ever run a pod, judged by each node's allocatable resources (its size, not what
 * is free now) and the pod's node selector; `undefined` when some node could (the pod waits for room, or for an
 * autoscaler). Like Ray's check, a cluster whose autoscaler would add bigger nodes is not foreseen.
 *
 * @example
 * ```ts
 * neverFits({ resources: { "nvidia.com/gpu": "1" }, nodeSelector: {} }, nodes);
 * // "no node of the cluster has nvidia.com/gpu 1 (the most on one node: 0); ask for less (gpus_per_node)"
 * ```
 */
export function neverFits(demand: PodDemand, nodes: readonly KubeNode[]): string | undefined {
  if (nodes.length === 0) return undefined;
  const selected = nodes.filter((node) =>
    Object.entries(demand.nodeSelector).every(([key, value]) => node.metadata.labels?.[key] === value),
  );
  if (selected.length === 0) {
    const wanted = Object.entries(demand.nodeSelector)
      .map(([key, value]) => `${key}=${value}`)
      .join(", ");
    return `no node of the cluster has the labels ${wanted} (node_selector)`;
  }
  const asked = Object.entries(demand.resources).flatMap(([name, text]) => {
    const amount = parseQuantity(text);
    return amount === undefined || amount <= 0 ? [] : [[name, amount, text] as const];
  });
  const has = (node: KubeNode, name: string): number =>
    parseQuantity(node.status?.allocatable?.[name] ?? "0") ?? 0;
  if (selected.some((node) => asked.every(([name, amount]) => has(node, name) >= amount))) return undefined;
  const short = asked.find(([name, amount]) => selected.every((node) => has(node, name) < amount));
  if (short === undefined) {
    const wanted = asked.map(([name, , text]) => `${name} ${text}`).join(", ");
    return `no single node of the cluster has ${wanted} together; ask for less`;
  }
  const [name, , text] = short;
  const most = Math.max(...selected.map((node) => has(node, name)));
  const shown = name === "memory" ? `${(most / 2 ** 30).toFixed(1)} GiB` : String(most);
  return `no node of the cluster has ${name} ${text} (the most on one node: ${shown}); ask for less (${SETTING[name] ?? "the profile's resources"})`;
}

const SETTING: Readonly<Record<string, string>> = {
  "nvidia.com/gpu": "gpus_per_node",
  cpu: "cpus_per_node",
  memory: "memory",
};
