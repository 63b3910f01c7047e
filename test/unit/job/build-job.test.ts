import { describe, expect, it } from "vitest";
import { resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import { buildJob } from "../../../src/job/job.ts";
import { newJobId } from "../../../src/job/job-id.ts";
import { Secret } from "../../../src/secret.ts";
import { FOUND, LOCAL_PROFILE, WANDB } from "../../helpers/fixtures.ts";

const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
const context = { cwd: "/work", now: new Date("2026-11-23T10:00:00Z"), random: () => new Uint8Array(6) };

function envOf(
  profileEnv: Record<string, string>,
  recipeEnv: Record<string, string>,
): Record<string, string | Secret> {
  const job = buildJob(
    { name: "t", command: ["true"], env: recipeEnv },
    { ...LOCAL_PROFILE, env: profileEnv },
    tracking,
    context,
  );
  return { ...job.env };
}

describe("buildJob env precedence: recipe env > profile env > tracking", () => {
  it.each([
    ["tracking only", {}, {}, "llm-sft"],
    ["profile beats tracking", { WANDB_PROJECT: "from-profile" }, {}, "from-profile"],
    ["recipe beats tracking", {}, { WANDB_PROJECT: "from-recipe" }, "from-recipe"],
    [
      "recipe beats profile",
      { WANDB_PROJECT: "from-profile" },
      { WANDB_PROJECT: "from-recipe" },
      "from-recipe",
    ],
  ])("%s", (_, profileEnv, recipeEnv, expected) => {
    expect(envOf(profileEnv, recipeEnv)["WANDB_PROJECT"]).toBe(expected);
  });

  it("keeps a WANDB_API_KEY from a profile or recipe secret", () => {
    expect(envOf({ WANDB_API_KEY: "p".repeat(40) }, {})["WANDB_API_KEY"]).toBeInstanceOf(Secret);
  });

  it("makes secret-looking names and copies of a secret secrets, whatever their name", () => {
    const key = (tracking.vars["WANDB_API_KEY"] as Secret).reveal();
    const env = envOf({ HF_TOKEN: "hf_0123456789", HF_HOME: "/cache" }, { COPY: key, AUTH: `Bearer ${key}` });
    expect(env["HF_TOKEN"]).toBeInstanceOf(Secret);
    expect(env["COPY"]).toBeInstanceOf(Secret);
    expect(env["AUTH"]).toBeInstanceOf(Secret);
    expect((env["AUTH"] as Secret).reveal()).toBe(`Bearer ${key}`);
    expect(env["HF_HOME"]).toBe("/cache");
  });

  it("makes a copy of a secret-looking variable's value a secret too, in either layer", () => {
    const env = envOf(
      { HF_TOKEN: "hf_0123456789", MIRROR: "hf_0123456789", SHORT_KEY: "1", ONE: "1" },
      { DB_PASSWORD: "pw-0123456789", DSN: "postgres://me:pw-0123456789@db" },
    );
    expect(env["MIRROR"]).toBeInstanceOf(Secret);
    expect(env["DSN"]).toBeInstanceOf(Secret);
    // Values under 8 characters are not matched by value.
    expect(env["ONE"]).toBe("1");
  });

  it.each(["slipway_dir", "UID", "SHELLOPTS"])("refuses the reserved name %s", (name) => {
    expect(() => envOf({ [name]: "/elsewhere" }, {})).toThrow(
      `environment variable name "${name}" is reserved`,
    );
  });

  it("never forwards WANDB_SERVICE or WANDB_LAUNCH, whatever the source", () => {
    const env = envOf({ WANDB_SERVICE: "x" }, { WANDB_LAUNCH: "True" });
    expect(env["WANDB_SERVICE"]).toBeUndefined();
    expect(env["WANDB_LAUNCH"]).toBeUndefined();
  });
});

describe("buildJob", () => {
  it("resolves a recipe with a profile", () => {
    const job = buildJob(
      { name: "SFT SmolLM", script: "echo hi", workdir: "sub", resources: { gpusPerNode: 2 } },
      LOCAL_PROFILE,
      tracking,
      context,
    );
    expect(job).toMatchObject({
      id: "sft-smollm-000000",
      command: ["bash", "-c", "echo hi"],
      workdir: "/work/sub",
      resources: { nodes: 1, gpusPerNode: 2, nprocPerNode: 2 },
      createdAt: "2026-11-23T10:00:00.000Z",
      launchDir: "/work",
    });
  });

  it.each([
    [{ name: "x" }, "recipe.command is empty: say what to run (e.g. python train.py)"],
    [{ name: "x", command: ["a"], script: "b" }, "give recipe.command or recipe.script, not both"],
    [{ name: " ", command: ["a"] }, "recipe.name must not be empty"],
    [
      { name: "x", command: ["a"], env: { "BAD-NAME": "1" } },
      'environment variable name "BAD-NAME" is invalid (letters, digits and _, not starting with a digit)',
    ],
    [{ name: "x", command: ["a"], resources: { nodes: 0 } }, "resources.nodes must be an integer ≥ 1, got 0"],
    [
      { name: "x", command: [""] },
      "recipe.command[0], the program, is empty: say what to run (e.g. python train.py)",
    ],
    [
      { name: "x", command: ["", "train.py"] },
      "recipe.command[0], the program, is empty: say what to run (e.g. python train.py)",
    ],
    [{ name: "x", script: " \n" }, "recipe.script is empty: say what to run (e.g. python train.py)"],
    [
      { name: "x", command: ["python", "a\0b"] },
      "recipe.command[1] contains a NUL character, which no process argument can hold",
    ],
    [
      { name: "x", script: "echo a\0b" },
      "recipe.script contains a NUL character, which no process argument can hold",
    ],
    [
      { name: "x", command: ["a"], env: { A: "x\0y" } },
      "recipe.env.A contains a NUL character, which no process environment can hold",
    ],
  ])("rejects %j", (recipe, message) => {
    expect(() => buildJob(recipe, LOCAL_PROFILE, tracking, context)).toThrow(
      expect.objectContaining({ code: "RECIPE_INVALID", message }),
    );
  });

  it("rejects a NUL in a profile's env value", () => {
    const profile = { ...LOCAL_PROFILE, env: { A: "x\0y" } };
    expect(() => buildJob({ name: "x", command: ["a"] }, profile, tracking, context)).toThrow(
      expect.objectContaining({
        code: "RECIPE_INVALID",
        message: `${LOCAL_PROFILE.name}.env.A contains a NUL character, which no process environment can hold`,
      }),
    );
  });
});

describe("newJobId", () => {
  it("slugs the name and adds 6 random characters", () => {
    expect(newJobId("SFT: SmolLM 135M!!", () => Uint8Array.from([0, 1, 2, 29, 30, 31]))).toBe(
      "sft-smollm-135m-012xyz",
    );
    expect(newJobId("???")).toMatch(/^job-[0-9a-z]{6}$/);
  });
});
