import { describe, expect, it } from "vitest";
import { formatPath } from "../../../src/config/config-issues.ts";

describe("formatPath", () => {
  it.each([
    [["gpu0", "env", "HF_HOME"], "gpu0.env.HF_HOME"],
    [["wandb", "tags", 1], "wandb.tags[1]"],
    [["k", "node_selector", "nvidia.com/gpu"], 'k.node_selector."nvidia.com/gpu"'],
  ])("%o → %s", (segments, expected) => {
    expect(formatPath(segments)).toBe(expected);
  });
});
