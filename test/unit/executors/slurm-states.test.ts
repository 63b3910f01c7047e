import { describe, expect, it } from "vitest";
import { slurmState } from "../../../src/executors/slurm/states.ts";

describe("slurmState", () => {
  it.each([
    ["PENDING", "pending", "PENDING"],
    ["PD", "pending", "PENDING"],
    ["R", "running", "RUNNING"],
    ["COMPLETING", "running", "COMPLETING"],
    ["CD", "succeeded", "COMPLETED"],
    ["COMPLETED", "succeeded", "COMPLETED"],
    ["CANCELLED by 1000", "cancelled", "CANCELLED"],
    ["CANCELLED+", "cancelled", "CANCELLED"],
    ["OOM", "failed", "OUT_OF_MEMORY"],
    ["TIMEOUT", "failed", "TIMEOUT"],
    ["NODE_FAIL", "failed", "NODE_FAIL"],
    ["RQ", "pending", "REQUEUED"],
    ["  running ", "running", "RUNNING"],
    ["SOMETHING_NEW", "unknown", "SOMETHING_NEW"],
  ])("maps %j to %s", (raw, state, name) => {
    expect(slurmState(raw)).toEqual({ state, name });
  });
});
