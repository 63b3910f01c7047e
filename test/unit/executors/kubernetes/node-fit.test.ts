import { describe, expect, it } from "vitest";
import { neverFits, type KubeNode } from "../../../../src/executors/kubernetes/node-fit.ts";
import { parseQuantity } from "../../../../src/executors/kubernetes/quantity.ts";

const node = (allocatable: Record<string, string>, labels: Record<string, string> = {}): KubeNode => ({
  metadata: { name: "n", labels },
  status: { allocatable },
});

describe("parseQuantity", () => {
  it.each([
    ["2", 2],
    ["1500m", 1.5],
    ["16Gi", 16 * 2 ** 30],
    ["16318428Ki", 16318428 * 1024],
    ["1e3", 1000],
    ["64G", 64e9],
    ["68719476736", 68719476736],
  ])("reads %s", (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value);
  });

  it("refuses what is not a quantity", () => {
    expect(parseQuantity("lots")).toBeUndefined();
  });
});

describe("neverFits", () => {
  const nodes = [
    node({ cpu: "8", memory: "32Gi", "nvidia.com/gpu": "0" }),
    node({ cpu: "2", memory: "8Gi" }),
  ];

  it("lets a pod that some node could hold wait", () => {
    expect(neverFits({ resources: { cpu: "8", memory: "16Gi" }, nodeSelector: {} }, nodes)).toBeUndefined();
  });

  it("names the resource no node has enough of, and the most there is", () => {
    expect(neverFits({ resources: { "nvidia.com/gpu": "1" }, nodeSelector: {} }, nodes)).toBe(
      "no node of the cluster has nvidia.com/gpu 1 (the most on one node: 0); ask for less (gpus_per_node)",
    );
    expect(neverFits({ resources: { cpu: "16" }, nodeSelector: {} }, nodes)).toBe(
      "no node of the cluster has cpu 16 (the most on one node: 8); ask for less (cpus_per_node)",
    );
  });

  it("sees a combination no single node offers, and labels no node has", () => {
    const split = [node({ cpu: "8", memory: "1Gi" }), node({ cpu: "1", memory: "64Gi" })];
    expect(neverFits({ resources: { cpu: "4", memory: "32Gi" }, nodeSelector: {} }, split)).toBe(
      "no single node of the cluster has cpu 4, memory 32Gi together; ask for less",
    );
    expect(neverFits({ resources: {}, nodeSelector: { pool: "a100" } }, nodes)).toBe(
      "no node of the cluster has the labels pool=a100 (node_selector)",
    );
  });

  it("cannot tell without nodes", () => {
    expect(neverFits({ resources: { cpu: "1000" }, nodeSelector: {} }, [])).toBeUndefined();
  });
});
