import { describe, expect, it } from "vitest";
import { holdsSecret, looksSecret, redactValues, secretValuesOf } from "../../src/secret-values.ts";

describe("secret values", () => {
  it.each([
    ["WANDB_API_KEY", true],
    ["HF_TOKEN", true],
    ["AWS_SECRET_ACCESS_KEY", true],
    ["CLIENT_SECRET", true],
    ["DB_PASSWORD_FILE", true],
    ["github_token", true],
    ["HF_HOME", false],
    ["KEYBOARD", false],
    ["TOKENIZERS_PARALLELISM", false],
  ])("%s looks secret: %s", (name, secret) => {
    expect(looksSecret(name)).toBe(secret);
  });

  it("collects the values of secret-looking variables, longest first, short ones left out", () => {
    expect(
      secretValuesOf({
        A_KEY: "0123456789",
        B_TOKEN: "0123456789abcdef",
        C_SECRET: "short",
        HOME: "/home/me/long",
      }),
    ).toEqual(["0123456789abcdef", "0123456789"]);
  });

  it("redacts every occurrence, the longer value first", () => {
    expect(redactValues("a=0123456789abcdef b=0123456789 c=x", ["0123456789abcdef", "0123456789"])).toBe(
      "a=*** b=*** c=x",
    );
    expect(redactValues("tiny", ["tiny"])).toBe("tiny");
  });

  it("finds a secret inside a value", () => {
    expect(holdsSecret("Bearer 0123456789abcdef", ["0123456789abcdef"])).toBe(true);
    expect(holdsSecret("Bearer 01234", ["0123456789abcdef"])).toBe(false);
  });
});
