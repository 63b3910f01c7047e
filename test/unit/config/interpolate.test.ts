import { describe, expect, it } from "vitest";
import {
  findMalformedEnvRef,
  interpolateString,
  interpolateValue,
  type UnsetEnvRef,
} from "../../../src/config/interpolate.ts";

function interpolate(value: string, env: Record<string, string>): { value: string; unset: string[] } {
  const unset: string[] = [];
  return { value: interpolateString(value, env, (name) => unset.push(name)), unset };
}

describe("interpolateString", () => {
  it.each([
    ["no reference", "plain $HOME ${HOME}", {}, "plain $HOME ${HOME}", []],
    ["a set variable", "${env:A}", { A: "a" }, "a", []],
    ["an empty variable without default", "<${env:A}>", { A: "" }, "<>", []],
    ["an unset variable without default", "<${env:A}>", {}, "<>", ["A"]],
    ["the default when unset", "${env:A:-d}", {}, "d", []],
    ["the default when empty", "${env:A:-d}", { A: "" }, "d", []],
    ["the value over the default", "${env:A:-d}", { A: "a" }, "a", []],
    ["an empty default", "${env:A:-}", {}, "", []],
    ["a default with colons and slashes", "${env:U:-http://h:8265/x}", {}, "http://h:8265/x", []],
    ["several references", "${env:A}/${env:B:-b}/${env:C}", { A: "a" }, "a/b/", ["C"]],
    ["no re-expansion of values", "${env:A}", { A: "${env:B}" }, "${env:B}", []],
    ["no prototype members", "${env:constructor:-none}", {}, "none", []],
  ])("%s", (_, value, env, expected, unset) => {
    expect(interpolate(value, env)).toEqual({ value: expected, unset });
  });
});

describe("findMalformedEnvRef", () => {
  it.each([
    ["${env:A} and ${env:B:-x}", undefined],
    ["${env:A", "${env:A"],
    ["${env:}", "${env:}"],
    ["${env:1A}", "${env:1A}"],
    ["${env:A-B}", "${env:A-B}"],
    ["${env:A:-${env:B}}", "${env:A:-${env:B}"],
    ["ok ${env:A} then ${env:bad name}", "${env:bad name}"],
  ])("%s → %s", (value, expected) => {
    expect(findMalformedEnvRef(value)).toBe(expected);
  });
});

describe("interpolateValue", () => {
  it("walks arrays and tables and reports each unset variable with its path", () => {
    const unset: UnsetEnvRef[] = [];
    const value = { list: ["${env:A}", 1, true], table: { K: "${env:B:-b}", L: "${env:C}" } };
    expect(interpolateValue(value, { A: "a" }, ["p"], unset)).toEqual({
      list: ["a", 1, true],
      table: { K: "b", L: "" },
    });
    expect(unset).toEqual([{ path: ["p", "table", "L"], name: "C" }]);
  });
});
