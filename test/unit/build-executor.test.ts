import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.ts";
import { dryRun } from "../../src/launch.ts";
import { isSecret, type Secret } from "../../src/secret.ts";
import { makeSandbox, sandboxOptions } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

// buildExecutor reads the env_file files; a dry run shows what the job would get from them.

const tempDir = useTempDirs();

describe("env_file in a launch", () => {
  const TOML = [
    "[wandb]",
    'project = "from-wandb"',
    'mode = "online"',
    'env_file = "wandb.env"',
    "",
    "[base]",
    'executor = "local"',
    'env_file = "${env:HOME}/gpu.env"',
    "",
    "[gpu]",
    'extends = "base"',
    'env = { LAYER = "profile-env", RECIPE_WINS = "profile-env" }',
    "",
  ].join("\n");

  function sandbox(files: Record<string, string>, env: Record<string, string> = {}) {
    const box = makeSandbox(tempDir(), TOML, env);
    for (const [name, text] of Object.entries(files)) {
      const path = name === "gpu.env" ? join(box.home, name) : join(box.root, name);
      writeFileSync(path, text, { mode: 0o600 });
    }
    const notices: string[] = [];
    return {
      box,
      notices,
      options: { ...sandboxOptions(box, "gpu"), onNotice: (m: string) => notices.push(m) },
    };
  }

  const recipe = { name: "layers", command: ["true"], env: { RECIPE_WINS: "recipe" } };

  it("layers tracking < [wandb] env_file < profile env_file < profile env < recipe env; secrets become Secrets", async () => {
    const { box, options, notices } = sandbox({
      "wandb.env": `WANDB_API_KEY=${CANARY_KEY}\nWANDB_PROJECT=from-file\nLAYER=wandb-file\nONLY_WANDB=1\n`,
      "gpu.env": "LAYER=gpu-file\nHF_TOKEN=hf_0123456789abcdef\nDB_PASSWORD=pw-0123456789\n",
    });
    const { job, rendered } = await dryRun(recipe, options);
    const env = Object.fromEntries(
      Object.entries(job.env).map(([k, v]) => [k, isSecret(v) ? `secret:${v.reveal()}` : v]),
    );
    expect(env).toMatchObject({
      WANDB_API_KEY: `secret:${CANARY_KEY}`,
      WANDB_PROJECT: "from-file",
      ONLY_WANDB: "1",
      LAYER: "profile-env",
      RECIPE_WINS: "recipe",
      HF_TOKEN: "secret:hf_0123456789abcdef",
      DB_PASSWORD: "secret:pw-0123456789",
    });
    expect(notices).toContain(`W&B key from ${join(box.root, "wandb.env")}`);
    for (const name of ["WANDB_API_KEY", "HF_TOKEN", "DB_PASSWORD"])
      expect(rendered).toContain(`${name}=***`);
    for (const secret of [CANARY_KEY, "hf_0123456789abcdef", "pw-0123456789"]) {
      expect(rendered + JSON.stringify(job) + notices.join("\n")).not.toContain(secret);
    }
  });

  it("uses the environment's WANDB_API_KEY over the file's, and the file's over ~/.netrc", async () => {
    const other = "other0000111122223333444455556666777788889999";
    const fromEnv = sandbox(
      { "wandb.env": `WANDB_API_KEY=${CANARY_KEY}\n`, "gpu.env": "" },
      { WANDB_API_KEY: other },
    );
    const envJob = (await dryRun(recipe, fromEnv.options)).job;
    expect((envJob.env["WANDB_API_KEY"] as Secret).reveal()).toBe(other);
    expect(fromEnv.notices).toContain(
      `the WANDB_API_KEY in ${join(fromEnv.box.root, "wandb.env")} is not used: the environment's WANDB_API_KEY wins`,
    );

    const fromFile = sandbox({ "wandb.env": `WANDB_API_KEY=${CANARY_KEY}\n`, "gpu.env": "" });
    writeFileSync(join(fromFile.box.home, ".netrc"), `machine api.wandb.ai password ${other}\n`, {
      mode: 0o600,
    });
    const fileJob = (await dryRun(recipe, fromFile.options)).job;
    expect((fileJob.env["WANDB_API_KEY"] as Secret).reveal()).toBe(CANARY_KEY);
  });

  it("refuses a launch whose env_file is missing, naming it and the key", async () => {
    const { box, options } = sandbox({ "wandb.env": "" });
    const error = await dryRun(recipe, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `env file ${join(box.home, "gpu.env")} does not exist (named by base.env_file in ${box.config})`,
    );
  });
});
