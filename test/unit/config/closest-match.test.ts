import { describe, expect, it } from "vitest";
import { closestMatch } from "../../../src/config/closest-match.ts";

describe("closestMatch", () => {
  it.each([
    ["partiton", ["partition", "qos"], "partition"],
    ["slrum", ["local", "slurm"], "slurm"],
    ["imagee", ["image", "images"], "image"],
    ["colour", ["color", "image"], "color"],
    ["xyz", ["image"], undefined],
    ["rm", ["ray", "rm"], "rm"],
    ["q", ["qos"], undefined],
    ["gpu-node-a100-80gb-sxm4-x8", ["gpu-node-a100-80gb-sxm4-x4"], "gpu-node-a100-80gb-sxm4-x4"],
  ])("%s → %s", (input, candidates, expected) => {
    expect(closestMatch(input, candidates)).toBe(expected);
  });

  // Names this long are not typed by hand: no suggestion, and no time or memory spent comparing them.
  it.each([
    ["a 20,000-character near miss", "p".repeat(20_000), ["p".repeat(19_999) + "q"]],
    ["a 2 MB near miss", "t".repeat(2_000_000), ["t".repeat(2_000_000) + "u"]],
    ["a 2 MB input against short names", "x".repeat(2_000_000), ["executor", "image", "nodes"]],
    ["a short input against a 2 MB name", "nodes", ["n".repeat(2_000_000)]],
  ])(
    "suggests nothing for %s",
    (_, input, candidates) => {
      expect(closestMatch(input, candidates)).toBeUndefined();
    },
    10_000,
  );

  it("finds the near one among many candidates of many lengths", () => {
    const candidates = Array.from({ length: 20_000 }, (_, i) => `profile-${i}-${"z".repeat(i % 200)}`);
    expect(closestMatch(`profile-12-${"z".repeat(13)}`, candidates)).toBe(`profile-12-${"z".repeat(12)}`);
  }, 10_000);
});
