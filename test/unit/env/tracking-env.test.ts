import { describe, expect, it } from "vitest";
import { jobTrackingEnv, resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import { SlipwayError } from "../../../src/errors.ts";
import { Secret } from "../../../src/secret.ts";
import { FOUND, MISSING, WANDB } from "../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../helpers/temp-dir.ts";
import { thrown } from "../../helpers/thrown.ts";

const file = "/repo/env.toml";

function plain(vars: Readonly<Record<string, string | Secret>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(vars).map(([k, v]) => [k, typeof v === "string" ? v : `secret:${v.reveal()}`]),
  );
}

describe("resolveTrackingEnv", () => {
  it("injects every [wandb] field under the SDK's variable names, the key as a Secret", () => {
    const tracking = resolveTrackingEnv({
      settings: {
        ...WANDB,
        name: "run-a",
        group: "g",
        jobType: "train",
        tags: ["a", "b c"],
        notes: "first try",
        mode: "online",
        baseUrl: "https://wandb.example.com",
      },
      detection: { ...FOUND, baseUrl: "https://wandb.example.com", host: "wandb.example.com" },
      file,
    });
    expect(plain(tracking.vars)).toEqual({
      WANDB_API_KEY: `secret:${CANARY_KEY}`,
      WANDB_PROJECT: "llm-sft",
      WANDB_ENTITY: "my-team",
      WANDB_BASE_URL: "https://wandb.example.com",
      WANDB_NAME: "run-a",
      WANDB_RUN_GROUP: "g",
      WANDB_JOB_TYPE: "train",
      WANDB_TAGS: "a,b c",
      WANDB_NOTES: "first try",
      WANDB_MODE: "online",
    });
    expect(tracking.vars["WANDB_API_KEY"]).toBeInstanceOf(Secret);
    expect(tracking.key).toEqual({
      status: "found",
      source: "netrc /home/me/.netrc (machine api.wandb.ai)",
      host: "wandb.example.com",
    });
  });

  it("leaves WANDB_BASE_URL out for the default server and never injects WANDB_SERVICE or WANDB_LAUNCH", () => {
    const { vars } = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file });
    expect(Object.keys(vars).sort()).toEqual(["WANDB_API_KEY", "WANDB_ENTITY", "WANDB_PROJECT"]);
  });

  it("names the env_file a key came from, in the key summary and in a notice", () => {
    const tracking = resolveTrackingEnv({
      settings: WANDB,
      detection: {
        status: "found",
        kind: "api-key",
        key: new Secret(CANARY_KEY),
        source: "env-file",
        envFilePath: "/repo/.env",
        baseUrl: "https://api.wandb.ai",
        host: "api.wandb.ai",
        baseUrlSource: "default",
        warnings: [],
      },
      file,
    });
    expect(tracking.key).toEqual({ status: "found", source: "/repo/.env", host: "api.wandb.ai" });
    expect(tracking.notices).toEqual(["W&B key from /repo/.env"]);
    expect(plain(tracking.vars)["WANDB_API_KEY"]).toBe(`secret:${CANARY_KEY}`);
  });

  it("falls back to offline with a notice when no key is found", () => {
    const tracking = resolveTrackingEnv({ settings: WANDB, detection: MISSING, file });
    expect(tracking.vars["WANDB_MODE"]).toBe("offline");
    expect(tracking.vars["WANDB_API_KEY"]).toBeUndefined();
    expect(tracking.notices).toEqual([
      'W&B: no API key: WANDB_API_KEY is unset and there is no /home/me/.netrc (run "wandb login"); ' +
        `jobs run with WANDB_MODE=offline (said once a day; mode = "offline" under [wandb] in ${file} silences it)`,
    ]);
  });

  it("fails when no key is found and require_key is set", () => {
    expect(() =>
      resolveTrackingEnv({ settings: { ...WANDB, requireKey: true }, detection: MISSING, file }),
    ).toThrow('W&B: no API key: WANDB_API_KEY is unset and there is no /home/me/.netrc (run "wandb login")');
  });

  it.each(["offline", "disabled"] as const)("needs and injects no key in %s mode", (mode) => {
    const tracking = resolveTrackingEnv({
      settings: { ...WANDB, mode, requireKey: true },
      detection: MISSING,
      file,
    });
    expect(tracking.vars["WANDB_MODE"]).toBe(mode);
    expect(tracking.vars["WANDB_API_KEY"]).toBeUndefined();
    const withKey = resolveTrackingEnv({ settings: { ...WANDB, mode }, detection: FOUND, file });
    expect(withKey.vars["WANDB_API_KEY"]).toBeUndefined();
  });

  it("passes an identity token file instead of a key", () => {
    const tracking = resolveTrackingEnv({
      settings: WANDB,
      detection: {
        status: "found",
        kind: "identity-token",
        tokenFile: "/run/token.jwt",
        source: "WANDB_IDENTITY_TOKEN_FILE",
        baseUrl: "https://api.wandb.ai",
        host: "api.wandb.ai",
        baseUrlSource: "default",
        warnings: [],
      },
      file,
    });
    expect(tracking.vars["WANDB_IDENTITY_TOKEN_FILE"]).toBe("/run/token.jwt");
    expect(tracking.vars["WANDB_API_KEY"]).toBeUndefined();
  });

  it("refuses an unusable key with the reason and no key in the message", () => {
    const run = (): unknown =>
      resolveTrackingEnv({
        settings: WANDB,
        detection: {
          status: "invalid",
          reason: "WANDB_API_KEY has leading or trailing whitespace",
          baseUrl: "https://api.wandb.ai",
          host: "api.wandb.ai",
          warnings: [],
        },
        file,
      });
    expect(thrown(run)).toMatchObject({
      code: "WANDB_KEY",
      message: "W&B API key is unusable: WANDB_API_KEY has leading or trailing whitespace",
    });
  });

  it.each([
    [
      { tags: ["ok", ""] },
      "tags in [wandb] in /repo/env.toml: tag 2 is empty (each tag must be 1–64 characters)",
    ],
    [
      { tags: ["x".repeat(65)] },
      "tags in [wandb] in /repo/env.toml: tag 1 is 65 characters long (each tag must be 1–64 characters)",
    ],
    [
      { tags: ["a,b"] },
      'tags in [wandb] in /repo/env.toml: tag 1 ("a,b") contains a comma, which WANDB_TAGS uses to separate tags',
    ],
    [
      { project: "team/proj" },
      'project "team/proj" in [wandb] in /repo/env.toml must not contain any of / \\ # ? % :',
    ],
    [{ project: "" }, 'project "" in [wandb] in /repo/env.toml must not be empty'],
  ])("rejects %j as the SDK would", (settings, message) => {
    const error = thrown(() =>
      resolveTrackingEnv({ settings: { ...WANDB, ...settings }, detection: FOUND, file }),
    );
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({ code: "TRACKING_INVALID", message });
  });
});

describe("jobTrackingEnv", () => {
  const tracking = resolveTrackingEnv({
    settings: { ...WANDB, tags: ["base"], group: "g0" },
    detection: FOUND,
    file,
  });

  it("names the run after the job unless told otherwise", () => {
    expect(jobTrackingEnv(tracking, undefined, "sft-k3j9x2").vars["WANDB_NAME"]).toBe("sft-k3j9x2");
  });

  it("lets recipe overrides win over [wandb]", () => {
    const { vars } = jobTrackingEnv(
      tracking,
      { tags: ["x", "y"], group: "g1", notes: "n", jobType: "eval" },
      "id-1",
    );
    expect(plain(vars)).toMatchObject({
      WANDB_TAGS: "x,y",
      WANDB_RUN_GROUP: "g1",
      WANDB_NOTES: "n",
      WANDB_JOB_TYPE: "eval",
    });
  });

  it("gives WANDB_RUN_ID and WANDB_RESUME to rank 0 only", () => {
    const resumed = jobTrackingEnv(tracking, { resume: true }, "sft-k3j9x2");
    expect(resumed.rankZero).toEqual({ WANDB_RUN_ID: "sft-k3j9x2", WANDB_RESUME: "allow" });
    expect(resumed.vars["WANDB_RUN_ID"]).toBeUndefined();
    expect(jobTrackingEnv(tracking, { resume: { runId: "exp-7" } }, "x").rankZero["WANDB_RUN_ID"]).toBe(
      "exp-7",
    );
    expect(() => jobTrackingEnv(tracking, { resume: { runId: "a:b" } }, "x")).toThrow(
      `recipe.tracking.resume.runId "a:b" must not contain any of : ; , # ? / '`,
    );
  });
});
