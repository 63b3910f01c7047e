import { describe, expect, it } from "vitest";
import { parseWandbSweepPath } from "../../../src/sweep/wandb-sweep-path.ts";

describe("parseWandbSweepPath", () => {
  it.each([
    ["acme/llm/abc123xy", undefined, "acme/llm/abc123xy"],
    ["llm/abc123xy", "acme", "acme/llm/abc123xy"],
    ["other/llm/abc123xy", "acme", "other/llm/abc123xy"],
  ])("%s with entity %s is %s", (text, entity, path) => {
    expect(parseWandbSweepPath(text, entity).path).toBe(path);
  });

  it.each([
    ["abc123xy", "acme", "not a W&B sweep path: expected entity/project/sweep-id"],
    ["a/b/c/d", "acme", "not a W&B sweep path"],
    ["acme//abc", undefined, "not a W&B sweep path"],
    ["llm/abc123xy", undefined, "names no entity, and [wandb] sets none"],
    [
      "acme/llm/abc-12",
      undefined,
      'the sweep id "abc-12" of --wandb-sweep acme/llm/abc-12 is not a W&B sweep id',
    ],
    ["ac me/llm/abc", undefined, 'the entity "ac me"'],
  ])("refuses %s", (text, entity, message) => {
    expect(() => parseWandbSweepPath(text, entity)).toThrow(message);
  });
});
