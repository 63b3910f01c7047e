import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shq, shqJoin } from "../../src/shell-quote.ts";

const WORDS = [
  "it's",
  "$HOME",
  "a b",
  "line\nbreak",
  "; rm -rf /",
  "`id`",
  "$(id)",
  "ünïcødé",
  "",
  "--lr=3e-4",
  "!history",
  "*.py",
  "back\\slash",
  '"double"',
  "#comment",
  "tab\there",
  "~root",
  "a=b c=d",
];

describe("shq", () => {
  it.each(WORDS)("round-trips %j through sh", (word) => {
    const result = spawnSync("/bin/sh", ["-c", `printf '%s' ${shq(word)}`], { encoding: "utf8" });
    expect(result.stdout).toBe(word);
  });

  it("leaves plain words alone and quotes the rest", () => {
    expect(shqJoin(["python", "train.py", "--lr=3e-4", "it's"])).toBe("python train.py --lr=3e-4 'it'\\''s'");
  });

  it("rejects NUL", () => {
    expect(() => shq("a\0b")).toThrow("NUL");
  });
});
