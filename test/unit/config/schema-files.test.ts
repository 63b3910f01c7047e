import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load-config.ts";
import { PROFILE_SCHEMAS } from "../../../src/config/profile-schemas.ts";
import { listProfiles, resolveProfile, resolveWandb } from "../../../src/config/resolve-profile.ts";
import { EXECUTOR_KINDS } from "../../../src/config/types.ts";
import { wandbSchema } from "../../../src/config/wandb-schema.ts";
import { renderSchemaFile, SCHEMA_FILE } from "../../../scripts/write-schema.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const example = join(root, "env.toml.example");

describe("env.schema.json", () => {
  it("is what scripts/write-schema.ts generates (run `node scripts/write-schema.ts` after changing the schema)", async () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(await renderSchemaFile());
  });
});

describe("env.toml.example", () => {
  const text = readFileSync(example, "utf8");

  it("starts with the #:schema pointer editors read", () => {
    expect(text.split("\n")[0]).toBe("#:schema ./env.schema.json");
  });

  it("loads, with one profile per executor, and every profile resolves", () => {
    const config = loadConfig({ cwd: root, env: {}, configPath: example });
    const kinds = new Set(listProfiles(config).map((p) => p.executor));
    expect([...kinds].sort()).toEqual([...EXECUTOR_KINDS].sort());
    const env = { HOME: "/home/me", RAY_TOKEN: "t" };
    for (const { name } of listProfiles(config)) expect(resolveProfile(config, name, env).name).toBe(name);
    expect(resolveWandb(config, env).project).toBe("llm-sft");
  });

  const keys = new Set([
    ...Object.keys(wandbSchema().shape),
    ...EXECUTOR_KINDS.flatMap((kind) => Object.keys(PROFILE_SCHEMAS[kind].shape)),
  ]);
  it.each([...keys].sort())("documents %s, with a comment", (key) => {
    // Set or commented out, but always followed by a `#` explanation on the same line.
    const line = new RegExp(`^#? ?${key} = .*#`, "m");
    expect(text).toMatch(line);
  });
});
