import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareEnvNames } from "../../../src/job/compare-env-names.ts";

const nameChars = fc.constantFrom(..."AaBbMmZz0019_xX".split(""));
const name = fc.array(nameChars, { maxLength: 8 }).map((chars) => chars.join(""));

describe("compareEnvNames", () => {
  it("orders names as localeCompare does", () => {
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(compareEnvNames(a, b)).toBe(Math.sign(a.localeCompare(b)));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    [["WANDB_RUN_ID", "WANDB_MODE", "wandb_x", "A_B", "AB", "_A", "a", "B", "b"]],
    [["CUDA_VISIBLE_DEVICES", "NCCL_DEBUG", "NCCL_DEBUG_SUBSYS", "MASTER_PORT", "MASTER_ADDR", "X10", "X9"]],
    [["ÄPFEL", "APFEL", "ZEBRA", "naïve", "NAIVE"]],
  ])("sorts %j as localeCompare does", (names) => {
    expect([...names].sort(compareEnvNames)).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });
});
