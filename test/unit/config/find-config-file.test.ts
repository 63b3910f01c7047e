import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findConfigFile } from "../../../src/config/find-config-file.ts";
import { loadConfig } from "../../../src/config/load-config.ts";
import { ConfigError } from "../../../src/errors.ts";
import { makeFifo } from "../../helpers/fifo.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

const tempDir = useTempDirs();

/** A temporary repository: `<root>/.git` and `<root>/a/b`, with realpath so macOS /private/var paths compare equal. */
function repo(): { root: string; deep: string } {
  const root = realpathSync(tempDir());
  mkdirSync(join(root, ".git"));
  const deep = join(root, "a", "b");
  mkdirSync(deep, { recursive: true });
  return { root, deep };
}

const LOCAL = '[local]\nexecutor = "local"\n';

describe("findConfigFile", () => {
  it("walks up from cwd to the nearest env.toml", () => {
    const { root, deep } = repo();
    writeFileSync(join(root, "env.toml"), LOCAL);
    writeFileSync(join(root, "a", "env.toml"), LOCAL);
    expect(findConfigFile({ cwd: deep, env: {} })).toEqual({
      path: join(root, "a", "env.toml"),
      source: "search",
    });
  });

  it("finds env.toml at the repository root itself", () => {
    const { root, deep } = repo();
    writeFileSync(join(root, "env.toml"), LOCAL);
    expect(findConfigFile({ cwd: deep, env: {} }).path).toBe(join(root, "env.toml"));
  });

  it("stops at the repository root and says where it looked", () => {
    const outer = realpathSync(tempDir());
    writeFileSync(join(outer, "env.toml"), LOCAL); // above the repository: must not be found
    const root = join(outer, "repo");
    mkdirSync(join(root, ".git"), { recursive: true });
    mkdirSync(join(root, "sub"));
    let error: unknown;
    try {
      findConfigFile({ cwd: join(root, "sub"), env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      code: "CONFIG_NOT_FOUND",
      file: join(root, "sub", "env.toml"),
      message: `no env.toml found; looked in (up to the repository root):\n  ${join(root, "sub")}\n  ${root}`,
      hint: "create one at the repository root: cp env.toml.example env.toml (or pass --config <file>, or set SLIPWAY_CONFIG)",
    });
  });

  it("treats a .git file (a worktree) as the repository root too, and skips a directory named env.toml", () => {
    const outer = realpathSync(tempDir());
    writeFileSync(join(outer, "env.toml"), LOCAL);
    const root = join(outer, "wt");
    mkdirSync(join(root, "env.toml"), { recursive: true });
    writeFileSync(join(root, ".git"), "gitdir: /elsewhere\n");
    expect(() => findConfigFile({ cwd: root, env: {} })).toThrow(/up to the repository root/);
  });

  it("stops at the filesystem root outside a repository", () => {
    const seen: string[] = [];
    const isFile = (path: string) => (seen.push(path), false);
    expect(() => findConfigFile({ cwd: "/x/y", env: {}, isFile, exists: () => false })).toThrow(
      "no env.toml found; looked in (up to the filesystem root):\n  /x/y\n  /x\n  /",
    );
    expect(seen).toEqual(["/x/y/env.toml", "/x/env.toml", "/env.toml"]);
  });

  it.each([
    [
      "--config wins over SLIPWAY_CONFIG",
      { configPath: "cfg/a.toml" },
      { SLIPWAY_CONFIG: "/b.toml" },
      "/w/cfg/a.toml",
      "option",
    ],
    ["SLIPWAY_CONFIG wins over the search", {}, { SLIPWAY_CONFIG: "b.toml" }, "/w/b.toml", "env"],
    ["an empty SLIPWAY_CONFIG is ignored", {}, { SLIPWAY_CONFIG: "" }, "/w/env.toml", "search"],
  ])("%s", (_, options, env, path, source) => {
    const found = findConfigFile({ cwd: "/w", env, isFile: (p) => p === "/w/env.toml", ...options });
    expect(found).toEqual({ path, source });
  });
});

/** The ConfigError `run` throws; fails the test when it throws nothing or something else. */
function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

describe("loadConfig discovery on disk", () => {
  it("loads the env.toml found from a subdirectory", () => {
    const { root, deep } = repo();
    writeFileSync(join(root, "env.toml"), LOCAL);
    const config = loadConfig({ cwd: deep, env: {} });
    expect(config.file).toBe(join(root, "env.toml"));
    expect([...config.profiles.keys()]).toEqual(["local"]);
  });

  it("loads SLIPWAY_CONFIG relative to cwd", () => {
    const { root } = repo();
    writeFileSync(join(root, "other.toml"), LOCAL);
    expect(loadConfig({ cwd: root, env: { SLIPWAY_CONFIG: "other.toml" } }).file).toBe(
      join(root, "other.toml"),
    );
  });

  it.each([
    ["--config", { configPath: "missing.toml" }, {}],
    ["SLIPWAY_CONFIG", {}, { SLIPWAY_CONFIG: "missing.toml" }],
  ])("names a missing file given by %s", (by, options, env) => {
    const { root } = repo();
    writeFileSync(join(root, "env.toml"), LOCAL); // present, but not what was asked for
    expect(() => loadConfig({ cwd: root, env, ...options })).toThrow(
      `${join(root, "missing.toml")}: config file not found (given by ${by})`,
    );
  });

  // 10 s: the FIFO's helper releases a reader that wrongly blocks after 3 s, so a regression fails, never hangs.
  it.each([
    ["--config", (path: string) => ({ configPath: path, env: {} })],
    ["SLIPWAY_CONFIG", (path: string) => ({ env: { SLIPWAY_CONFIG: path } })],
  ])(
    "refuses a FIFO given by %s instead of waiting for a writer",
    (_, options) => {
      const { root } = repo();
      const path = makeFifo(root, "dev.toml");
      const error = errorOf(() => loadConfig({ cwd: root, ...options(path) }));
      expect(error).toMatchObject({
        code: "CONFIG_READ",
        file: path,
        message: `${path}: cannot read the config file: it is a FIFO (named pipe), not a regular file`,
      });
    },
    10_000,
  );

  it("refuses a directory given by --config", () => {
    const { root } = repo();
    const error = errorOf(() => loadConfig({ cwd: root, env: {}, configPath: ".git" }));
    expect(error).toMatchObject({
      code: "CONFIG_READ",
      message: `${join(root, ".git")}: cannot read the config file: it is a directory, not a regular file`,
    });
  });

  it("skips a FIFO named env.toml when searching", () => {
    const { root, deep } = repo();
    makeFifo(join(root, "a"));
    writeFileSync(join(root, "env.toml"), LOCAL);
    expect(loadConfig({ cwd: deep, env: {} }).file).toBe(join(root, "env.toml"));
  }, 10_000);
});
