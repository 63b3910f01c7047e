import { describe, expect, it } from "vitest";
import { isSlurmTime } from "../../../src/config/profile-schemas.ts";
import { closestMatch, formatPath } from "../../../src/config/schema.ts";

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

describe("formatPath", () => {
  it.each([
    [["gpu0", "env", "HF_HOME"], "gpu0.env.HF_HOME"],
    [["wandb", "tags", 1], "wandb.tags[1]"],
    [["k", "node_selector", "nvidia.com/gpu"], 'k.node_selector."nvidia.com/gpu"'],
  ])("%o → %s", (segments, expected) => {
    expect(formatPath(segments)).toBe(expected);
  });
});
