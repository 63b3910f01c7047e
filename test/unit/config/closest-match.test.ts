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
  ])("%s → %s", (input, candidates, expected) => {
    expect(closestMatch(input, candidates)).toBe(expected);
  });
});
