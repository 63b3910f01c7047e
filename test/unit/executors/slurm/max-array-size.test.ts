import { describe, expect, it } from "vitest";
import { maxArraySizeOf } from "../../../../src/executors/slurm/max-array-size.ts";

describe("maxArraySizeOf", () => {
  it.each([
    ["MaxArraySize            = 1001\nMaxJobCount             = 20000\n", 1001],
    ["AccountingStorageType = (null)\nMaxArraySize = 4000001\n", 4000001],
    ["MaxJobCount = 20000\n", undefined],
    ["MaxArraySizeX = 5\n", undefined],
    ["", undefined],
  ])("reads %j as %s", (text, expected) => {
    expect(maxArraySizeOf(text)).toBe(expected);
  });
});
