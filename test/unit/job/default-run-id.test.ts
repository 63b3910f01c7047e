import { describe, expect, it } from "vitest";
import { resolveTrackingEnv, type TrackingEnv } from "../../../src/env/tracking-env.ts";
import { wandbAppUrl, wandbRunUrl } from "../../../src/env/wandb-run-url.ts";
import { buildJob } from "../../../src/job/job.ts";
import type { Recipe } from "../../../src/job/recipe.ts";
import { FOUND, LOCAL_PROFILE, WANDB } from "../../helpers/fixtures.ts";

const online = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
const offline = resolveTrackingEnv({
  settings: { ...WANDB, mode: "offline" },
  detection: FOUND,
  file: "/repo/env.toml",
});
const context = { cwd: "/work", now: new Date("2026-11-23T10:00:00Z"), random: () => new Uint8Array(6) };
const ID = "t-000000";

function jobOf(
  recipe: Partial<Recipe>,
  tracking: TrackingEnv = online,
  profileEnv: Record<string, string> = {},
) {
  return buildJob(
    { name: "t", command: ["true"], ...recipe },
    { ...LOCAL_PROFILE, env: profileEnv },
    tracking,
    context,
  );
}

describe("rank 0's W&B run id defaults to the job id, so the run URL is known at launch", () => {
  it("sets WANDB_RUN_ID (rank 0 only) and the run's URL", () => {
    const job = jobOf({});
    expect(job.rankZeroEnv).toEqual({ WANDB_RUN_ID: ID });
    expect(job.env["WANDB_RUN_ID"]).toBeUndefined();
    expect(job.wandbUrl).toBe(`https://forge.coreweave.com/wandb/my-team/llm-sft/runs/${ID}`);
  });

  it.each<[string, Partial<Recipe>, Record<string, string>, Record<string, string>]>([
    ["the recipe sets WANDB_RUN_ID in env", { env: { WANDB_RUN_ID: "mine" } }, {}, {}],
    ["the profile sets WANDB_RUN_ID in env", {}, { WANDB_RUN_ID: "mine" }, {}],
    ["the recipe opts out with runId: false", { tracking: { runId: false } }, {}, {}],
    ["an array (its tasks would share one run)", { array: "0-3" }, {}, {}],
    ["the recipe names the run", { tracking: { runId: "exp-7" } }, {}, { WANDB_RUN_ID: "exp-7" }],
    ["a resumable run", { tracking: { resume: true } }, {}, { WANDB_RUN_ID: ID, WANDB_RESUME: "allow" }],
    ["a job that may be requeued", { retries: 2 }, {}, { WANDB_RUN_ID: ID, WANDB_RESUME: "allow" }],
  ])("not the default when %s", (_, recipe, profileEnv, rankZero) => {
    expect(jobOf(recipe, online, profileEnv).rankZeroEnv).toEqual(rankZero);
  });

  it("no URL offline, without an entity, or with a run id the recipe chose in env", () => {
    expect(jobOf({}, offline).wandbUrl).toBeUndefined();
    const noEntity = resolveTrackingEnv({
      settings: { ...WANDB, entity: undefined },
      detection: FOUND,
      file: "/repo/env.toml",
    });
    expect(jobOf({}, noEntity).wandbUrl).toBeUndefined();
    expect(jobOf({ env: { WANDB_RUN_ID: "mine" } }).wandbUrl).toBe(
      "https://forge.coreweave.com/wandb/my-team/llm-sft/runs/mine",
    );
  });

  it.each([
    ["https://api.wandb.ai", "https://forge.coreweave.com/wandb"],
    ["https://api.forge.coreweave.com", "https://forge.coreweave.com/wandb"],
    ["https://api.wandb.eu/", "https://wandb.eu"],
    ["https://api.corp.example", "https://app.corp.example"],
    ["http://localhost:8080", "http://localhost:8080"],
  ])("the app URL of %s is %s, as the SDK derives it", (base, app) => {
    expect(wandbAppUrl(base)).toBe(app);
  });

  it("escapes the path parts", () => {
    const key = { status: "found", source: "WANDB_API_KEY", host: "h" } as const;
    expect(wandbRunUrl({ WANDB_ENTITY: "a b", WANDB_PROJECT: "p", WANDB_RUN_ID: "r" }, key)).toBe(
      "https://forge.coreweave.com/wandb/a%20b/p/runs/r",
    );
  });
});
