import { describe, expect, it } from "vitest";
import { COMMON_KEYS, commonShape } from "../../../src/config/common-profile-schema.ts";

describe("COMMON_KEYS", () => {
  it("names executor and every key of the common shape, no more (written out so no schema is built to know them)", () => {
    expect([...COMMON_KEYS].sort()).toEqual(["executor", ...Object.keys(commonShape())].sort());
  });
});
