import { describe, expect, it } from "vitest";
import { placeholdersIn, substitute } from "../../../src/sweep/placeholders.ts";
import { sweepRecipes } from "../../../src/sweep/sweep-recipes.ts";
import { thrown } from "../../helpers/thrown.ts";

describe("placeholders", () => {
  it.each([
    ["--lr={lr}", ["lr"], "--lr=3e-4"],
    ["{{lr}", [], "{lr}"],
    ["${lr} ${HOME}", [], "${lr} ${HOME}"],
    ['{"a": {lr}}', ["lr"], '{"a": 3e-4}'],
    ["{lr}{bs}{lr}", ["lr", "bs"], "3e-416" + "3e-4"],
    ["{ lr }", [], "{ lr }"],
  ])("%s", (text, names, out) => {
    expect(placeholdersIn(text)).toEqual(names);
    expect(substitute(text, { lr: "3e-4", bs: "16" })).toBe(out);
  });
});

describe("sweepRecipes", () => {
  const recipe = {
    name: "sft",
    command: ["python", "train.py", "--lr", "{lr}"],
    env: { BS: "{bs}" },
    tracking: { tags: ["base"] },
  };

  it("substitutes and sets the W&B group, name and tags", () => {
    const [first] = sweepRecipes(recipe, "sft-sweep-k3j9x2", [{ lr: "3e-4", bs: "16" }], ["profile-tag"]);
    expect(first).toEqual({
      name: "sft",
      command: ["python", "train.py", "--lr", "3e-4"],
      env: { BS: "16" },
      tracking: { group: "sft-sweep-k3j9x2", name: "sft-lr=3e-4-bs=16", tags: ["base", "lr=3e-4", "bs=16"] },
    });
    const [plain] = sweepRecipes(
      { ...recipe, tracking: {} },
      "s-sweep-000000",
      [{ lr: "1", bs: "2" }],
      ["p"],
    );
    expect(plain?.tracking?.tags).toEqual(["p", "lr=1", "bs=2"]);
  });

  it.each([
    [{ lr: "1", bs: "2", wd: "3" }, "sweep parameter wd is not used: no {wd} in the command, script or env"],
    [{ lr: "1" }, "no sweep parameter fills {bs} in env.BS (the parameters: lr)"],
  ])("refuses %j", (values, message) => {
    expect(thrown(() => sweepRecipes(recipe, "s-sweep-000000", [values], []))).toMatchObject({
      code: "RECIPE_INVALID",
      message,
    });
  });
});
