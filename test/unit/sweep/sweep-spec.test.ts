import { describe, expect, it } from "vitest";
import { parseSweepSpec } from "../../../src/sweep/sweep-spec.ts";
import { thrown } from "../../helpers/thrown.ts";

describe("parseSweepSpec", () => {
  it.each([
    ["lr=1e-4,3e-4,1e-3", ["lr", ["1e-4", "3e-4", "1e-3"]]],
    ["bs=16", ["bs", ["16"]]],
    ["data=../x", ["data", ["../x"]]],
    ["x=1..10", ["x", { kind: "range", scale: "linear", low: 1, high: 10, integer: true }]],
    ["x=0.5..1.5", ["x", { kind: "range", scale: "linear", low: 0.5, high: 1.5, integer: false }]],
    ["lr=log:1e-5..1e-2", ["lr", { kind: "range", scale: "log", low: 1e-5, high: 1e-2, integer: false }]],
  ])("%s", (spec, expected) => {
    expect(parseSweepSpec(spec)).toEqual(expected);
  });

  it.each([
    ["lr=", "--sweep lr=: lr has no values: give a list (lr=1,2) or a range (lr=1..10)"],
    [
      "lr",
      "--sweep lr: expected NAME=VALUES with NAME letters, digits and _ (not starting with a digit), e.g. lr=1e-4,3e-4",
    ],
    [
      "1x=2",
      "--sweep 1x=2: expected NAME=VALUES with NAME letters, digits and _ (not starting with a digit), e.g. lr=1e-4,3e-4",
    ],
    ["lr=1,,2", "--sweep lr=1,,2: a value is empty (two commas, or one at an end)"],
    ["lr=1,1", "--sweep lr=1,1: a value is given twice"],
    ["x=5..1", "--sweep x=5..1: the range's low end must be below its high end"],
    ["lr=log:0..1", "--sweep lr=log:0..1: a log range needs a low end above 0"],
    [
      "lr=log:a..b",
      "--sweep lr=log:a..b: a range is LOW..HIGH with two numbers, e.g. 1..10 or log:1e-5..1e-2",
    ],
  ])("refuses %s", (spec, message) => {
    const error = thrown(() => parseSweepSpec(spec));
    expect(error).toMatchObject({ code: "RECIPE_INVALID", message });
  });
});
