import { describe, expect, it } from "vitest";
import { dependantsOf, topologicalOrder } from "../../../src/experiment/experiment-graph.ts";
import { nextMoves } from "../../../src/experiment/experiment-progress.ts";
import { stepJobIdVariable } from "../../../src/experiment/experiment-plan.ts";

describe("the experiment graph", () => {
  it("orders steps after what they wait for, keeping the file's order otherwise", () => {
    expect(
      topologicalOrder([
        { name: "eval", after: ["train"] },
        { name: "train", after: ["prep"] },
        { name: "prep" },
      ]),
    ).toEqual(["prep", "train", "eval"]);
  });

  it("finds every dependant, directly or not", () => {
    const steps = [{ name: "a" }, { name: "b", after: ["a"] }, { name: "c", after: ["b"] }, { name: "d" }];
    expect(dependantsOf(steps, "a")).toEqual(["b", "c"]);
  });

  it.each([
    ["prep", "SLIPWAY_STEP_PREP_JOB_ID"],
    ["pre-process.v2", "SLIPWAY_STEP_PRE_PROCESS_V2_JOB_ID"],
  ])("names the job id variable of %s", (name, variable) => {
    expect(stepJobIdVariable(name)).toBe(variable);
  });
});

describe("nextMoves", () => {
  it("starts steps whose predecessors succeeded", () => {
    expect(
      nextMoves([
        { name: "prep", after: [], state: "succeeded" },
        { name: "train", after: ["prep"], state: "waiting" },
        { name: "eval", after: ["train"], state: "waiting" },
      ]),
    ).toEqual({ start: ["train"], cancel: [], stop: [] });
  });

  it("cancels every dependant of a failed step, and starts the others", () => {
    expect(
      nextMoves([
        { name: "prep", after: [], state: "failed" },
        { name: "train", after: ["prep"], state: "waiting" },
        { name: "eval", after: ["train"], state: "waiting" },
        { name: "other", after: [], state: "waiting" },
      ]),
    ).toEqual({ start: ["other"], cancel: ["train", "eval"], stop: [] });
  });

  it("starts a step at once after a running step of the same Slurm cluster, never across clusters", () => {
    const a = "me@login1:22";
    expect(
      nextMoves([
        { name: "prep", after: [], state: "running", cluster: a },
        { name: "train", after: ["prep"], state: "waiting", cluster: a },
        { name: "other", after: ["prep"], state: "waiting", cluster: "me@login2:22" },
        { name: "local", after: ["prep"], state: "waiting" },
        { name: "eval", after: ["train"], state: "waiting", cluster: a },
      ]),
    ).toEqual({ start: ["train"], cancel: [], stop: [] });
    // A step still launching has no Slurm id to wait for yet.
    expect(
      nextMoves([
        { name: "prep", after: [], state: "launching", cluster: a },
        { name: "train", after: ["prep"], state: "waiting", cluster: a },
      ]).start,
    ).toEqual([]);
  });

  it("stops chained steps whose predecessor failed, and cancels what waits for them", () => {
    const a = "me@login1:22";
    expect(
      nextMoves([
        { name: "prep", after: [], state: "failed", cluster: a },
        { name: "train", after: ["prep"], state: "running", cluster: a },
        { name: "eval", after: ["train"], state: "running", cluster: a },
        { name: "report", after: ["eval"], state: "waiting" },
      ]),
    ).toEqual({ start: [], cancel: ["report"], stop: ["train", "eval"] });
  });
});
