import { describe, expect, it } from "vitest";
import {
  jobStatus,
  parseExitCodes,
  parseQueue,
  type SlurmJobRef,
} from "../../../../src/executors/slurm/queue-status.ts";

const single: SlurmJobRef = { nativeId: "42", jobDir: "/h/j/a", arrayIndices: undefined };
const array: SlurmJobRef = { nativeId: "50", jobDir: "/h/j/b", arrayIndices: [0, 1, 2] };

const status = (ref: SlurmJobRef, queue: string, codes = "") =>
  jobStatus(ref, parseQueue(queue), parseExitCodes(codes));

describe("batched status of one job", () => {
  it.each([
    [
      "42|PENDING|Resources",
      "",
      { state: "pending", raw: "PENDING", exitCode: undefined, reason: "Resources" },
    ],
    ["42|RUNNING|None", "", { state: "running", raw: "RUNNING", exitCode: undefined, reason: undefined }],
    [
      "42|COMPLETING|None",
      "/h/j/a/exit-code:0",
      { state: "running", raw: "COMPLETING", exitCode: undefined },
    ],
    ["42|COMPLETED|None", "/h/j/a/exit-code:0", { state: "succeeded", raw: "COMPLETED", exitCode: 0 }],
    [
      "42|FAILED|NonZeroExitCode",
      "/h/j/a/exit-code:7",
      { state: "failed", exitCode: 7, reason: "NonZeroExitCode" },
    ],
    ["42|CANCELLED|None", "/h/j/a/exit-code:143", { state: "cancelled", raw: "CANCELLED", exitCode: 143 }],
    ["42|TIMEOUT|TimeLimit", "", { state: "failed", raw: "TIMEOUT", exitCode: undefined }],
    ["42|SOMETHING_NEW|None", "", { state: "unknown", raw: "SOMETHING_NEW" }],
    // Left slurmctld's memory: the exit code the script wrote decides.
    ["7|RUNNING|None", "/h/j/a/exit-code:0", { state: "succeeded", raw: "COMPLETED", exitCode: 0 }],
    ["", "/h/j/a/exit-code:2", { state: "failed", raw: "FAILED", exitCode: 2 }],
  ])("squeue %j with exit codes %j", (queue, codes, expected) => {
    expect(status(single, queue, codes)).toMatchObject(expected);
  });

  it("does not know a job neither squeue nor its directory knows", () => {
    expect(status(single, "43|RUNNING|None", "/h/j/other/exit-code:0")).toBeUndefined();
  });
});

describe("batched status of an array", () => {
  it.each([
    [
      "50_0|RUNNING|None\n50_1|PENDING|JobArrayTaskLimit\n50_2|PENDING|JobArrayTaskLimit",
      "",
      "running",
      undefined,
    ],
    ["50_0|COMPLETED|None\n50_[1-2]|PENDING|Priority", "/h/j/b/exit-code-0:0", "pending", undefined],
    ["50_0|COMPLETED|None\n50_1|COMPLETED|None\n50_2|COMPLETED|None", "", "succeeded", 0],
    ["50_0|COMPLETED|None\n50_1|FAILED|None\n50_2|COMPLETED|None", "/h/j/b/exit-code-1:4", "failed", 4],
    ["50_0|COMPLETED|None\n50_1|CANCELLED|None\n50_2|COMPLETED|None", "", "cancelled", undefined],
    ["", "/h/j/b/exit-code-0:0\n/h/j/b/exit-code-1:0\n/h/j/b/exit-code-2:0", "succeeded", 0],
    ["", "/h/j/b/exit-code-0:0\n/h/j/b/exit-code-2:0", "unknown", undefined],
  ])("squeue %j with exit codes %j is %s", (queue, codes, state, exitCode) => {
    const result = status(array, queue, codes);
    expect(result?.state).toBe(state);
    expect(result?.exitCode).toBe(exitCode);
  });

  it("summarises the tasks in raw", () => {
    expect(status(array, "50_0|RUNNING|None\n50_1|COMPLETED|None", "")?.raw).toBe(
      "array 1 running, 1 succeeded, 1 not listed",
    );
  });
});
