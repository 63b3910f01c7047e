import { describe, expect, it } from "vitest";
import { isSlurmTime } from "../../../src/config/slurm-profile-schema.ts";
import { slurmTimeSeconds } from "../../../src/config/slurm-time.ts";

describe("slurmTimeSeconds", () => {
  it.each([
    ["90", 5400],
    ["5:30", 330],
    ["02:00:00", 7200],
    ["1-0", 86400],
    ["1-12:00", 129600],
    ["2-03:04:05", 183845],
  ])("reads %s as %i s", (text, seconds) => {
    expect(isSlurmTime(text)).toBe(true);
    expect(slurmTimeSeconds(text)).toBe(seconds);
  });
});
