import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/secret.ts";
import { CANARY_KEY } from "../helpers/temp-dir.ts";

describe("Secret", () => {
  const secret = new Secret(CANARY_KEY);

  it.each([
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- what a careless template shows
    ["template string", () => `${secret}`],
    ["String()", () => String(secret)],
    ["JSON", () => JSON.stringify({ key: secret })],
    ["inspect", () => inspect({ nested: { key: secret } })],
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- what a careless message shows
    ["error message", () => new Error(`bad key ${secret}`).message],
  ])("hides the value in %s", (_, render) => {
    const text = render();
    expect(text).toContain("***");
    expect(text).not.toContain(CANARY_KEY);
  });

  it("reveals the value only when asked", () => {
    expect(secret.reveal()).toBe(CANARY_KEY);
  });
});
