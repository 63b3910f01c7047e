import { describe, expect, it } from "vitest";
import { isSlurmTime } from "../../../src/config/slurm-profile-schema.ts";

describe("isSlurmTime", () => {
  it.each([
    ["30", true],
    ["90", true],
    ["30:15", true],
    ["12:30:15", true],
    ["1-12", true],
    ["1-12:30", true],
    ["1-12:30:15", true],
    ["10-00:00:00", true],
    ["2h", false],
    ["1-24", false],
    ["1-123", false],
    ["30:60", false],
    ["1:60:00", false],
    ["1-12:30:15:1", false],
    ["", false],
    ["-1", false],
  ])("%s → %s", (value, expected) => {
    expect(isSlurmTime(value)).toBe(expected);
  });
});
