import { describe, expect, it } from "vitest";
import { entrypointDemand, unmetDemand } from "../../../src/executors/ray/ray-demand.ts";

const head = { CPU: 2, memory: 17e9, slipway_test: 4, "node:127.0.0.1": 1 };

describe("a Ray entrypoint demand no node can hold", () => {
  it("names the resource, the most one node has and the setting to change", () => {
    expect(unmetDemand({ CPU: 1, slipway_test: 5 }, [head])).toBe(
      "no node of the Ray cluster has slipway_test 5 (the most on one node: 4); ask for less in the profile's resources",
    );
    expect(unmetDemand({ CPU: 8 }, [head, { CPU: 4 }])).toBe(
      "no node of the Ray cluster has CPU 8 (the most on one node: 4); ask for less in the profile's num_cpus",
    );
    expect(unmetDemand({ GPU: 1 }, [head])).toBe(
      "no node of the Ray cluster has GPU 1 (the most on one node: 0); ask for less in the profile's num_gpus",
    );
  });

  it("a combination that no single node has, though each part exists somewhere", () => {
    expect(unmetDemand({ CPU: 2, GPU: 1 }, [{ CPU: 2 }, { CPU: 1, GPU: 1 }])).toBe(
      "no single node of the Ray cluster has CPU 2, GPU 1 together; ask for less (num_cpus, num_gpus, memory, resources)",
    );
  });

  it.each([
    [{ CPU: 1, slipway_test: 4 }, [head]],
    [{ CPU: 0 }, [{}]],
    [{}, [head]],
    [{ CPU: 64 }, []],
  ])("%j fits (or cannot be judged) on %j", (demand, nodes) => {
    expect(unmetDemand(demand, nodes)).toBeUndefined();
  });

  it("reads the demand from the submit body in Ray's resource names", () => {
    expect(
      entrypointDemand({
        entrypoint_num_cpus: 1,
        entrypoint_memory: 1024,
        entrypoint_resources: { slipway_test: 5 },
      }),
    ).toEqual({ CPU: 1, memory: 1024, slipway_test: 5 });
  });
});
