// The `slipway` command: bin/slipway running the bundle that `npm run build` makes, laid out as in a clone linked with
// `npm link` and as in a registry install, and the one line an unsupported Node gets.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "../../scripts/build-cli.ts";
import { helpTexts } from "../../src/cli/main.ts";
import { runCli } from "../helpers/run-cli.ts";
import { CANARY_KEY } from "../helpers/temp-dir.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "slipway-command-"));
const usrBinNode = "/usr/bin/node";
const cleanPath = "/usr/bin:/bin";

/** A package laid out as npm installs it: bin/slipway and dist/bin/, plus node_modules/node if `withNode`. */
async function makePackage(name: string, withNode: boolean): Promise<string> {
  const pkg = join(work, name);
  mkdirSync(join(pkg, "bin"), { recursive: true });
  copyFileSync(join(repoRoot, "bin", "slipway"), join(pkg, "bin", "slipway"));
  await buildCli(join(pkg, "dist", "bin"));
  if (withNode) {
    mkdirSync(join(pkg, "node_modules", "node", "bin"), { recursive: true });
    symlinkSync(process.execPath, join(pkg, "node_modules", "node", "bin", "node"));
  }
  return pkg;
}

/** Runs `file args` with a PATH of `path` only, as a new shell would. */
function run(file: string, args: string[], path: string) {
  return spawnSync(file, args, { env: { PATH: path, HOME: work }, cwd: work, encoding: "utf8" });
}

/** The system Node, when it is older than slipway supports: the version and the path it reports. */
function oldSystemNode(): { version: string; execPath: string } | undefined {
  const probe = spawnSync(usrBinNode, ["-p", "process.version + ' ' + process.execPath"], {
    encoding: "utf8",
  });
  if (probe.status !== 0) return undefined;
  const [version = "", execPath = ""] = probe.stdout.trim().split(" ");
  const [major = 0, minor = 0] = version.slice(1).split(".").map(Number);
  return major >= 24 || (major === 22 && minor >= 19) ? undefined : { version, execPath };
}

const oldNode = oldSystemNode();
if (!oldNode)
  console.warn(`[skipped] unsupported-Node tests: ${usrBinNode} is missing or supported by slipway`);

let clone = "";
let registry = "";
beforeAll(async () => {
  clone = await makePackage("clone", true);
  registry = await makePackage("registry", false);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("slipway command", () => {
  it("package.json's bin is bin/slipway, which runs the bundle npm run build writes", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      bin: Record<string, string>;
      files: string[];
      scripts: Record<string, string>;
      engines: { node: string };
    };
    // The range src/cli.ts checks and names (tests below expect it in the message).
    expect(pkg.engines.node).toBe("^22.19.0 || >=24");
    expect(pkg.bin).toEqual({ slipway: "bin/slipway" });
    expect(pkg.files).toEqual(["dist", "bin"]);
    expect(pkg.scripts["build"]).toBe("tsc -p tsconfig.build.json && node scripts/build-cli.ts");
    expect(pkg.scripts["setup"]).toBe("npm run build && npm link");
    expect(readFileSync(join(repoRoot, "bin", "slipway"), "utf8")).toContain('"$root/dist/bin/slipway.js"');
  });

  it("through a link as npm link makes it, runs with the clone's own Node, whatever node is on PATH", () => {
    mkdirSync(join(work, "global-bin"), { recursive: true });
    symlinkSync(join(clone, "bin", "slipway"), join(work, "global-bin", "slipway"));
    const result = run(
      join(work, "global-bin", "slipway"),
      ["--help"],
      `${join(work, "global-bin")}:${cleanPath}`,
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    // The bundle says exactly what the sources say.
    expect(result.stdout).toBe(
      runCli(["--help"], { env: { PATH: cleanPath, HOME: work }, cwd: work }).stdout,
    );
  });

  it("prints each help text rendered at build time, exactly as the CLI renders it", () => {
    const texts = helpTexts();
    expect(JSON.parse(readFileSync(join(clone, "dist", "bin", "help.json"), "utf8"))).toEqual(texts);
    expect(Object.keys(texts)).toEqual(expect.arrayContaining(["", "launch", "list", "ls", "logs", "wait"]));
    for (const [name, text] of Object.entries(texts)) {
      for (const flag of ["--help", "-h"]) {
        const args = name === "" ? [flag] : [name, flag];
        const result = run(join(clone, "bin", "slipway"), args, cleanPath);
        expect(result, args.join(" ")).toMatchObject({ status: 0, stdout: text, stderr: "" });
      }
    }
    // What the CLI itself prints (from the sources, where there is no help.json), on a terminal or not.
    const env = { PATH: cleanPath, HOME: work, COLUMNS: "200" };
    expect(runCli(["launch", "--help"], { env, cwd: work }).stdout).toBe(texts["launch"]);
    expect(runCli(["--help"], { env, cwd: work }).stdout).toBe(texts[""]);
  });

  it("reuses what this build validated of an unchanged env.toml, and validates an edited one again", () => {
    const dir = mkdtempSync(join(work, "parsed-"));
    const store = join(dir, "store");
    const env = { PATH: cleanPath, HOME: dir, SLIPWAY_HOME: store, WANDB_API_KEY: CANARY_KEY };
    const config = join(dir, "env.toml");
    const valid =
      '[wandb]\nproject = "cached"\n\n[base]\nexecutor = "local"\nenv = { MY_KEY = "${env:WANDB_API_KEY}" }\n\n' +
      '[cpu]\nextends = "base"\nnodes = 1\n\n[plain]\nexecutor = "local"\ngrace_seconds = 3\nenv = { A = "1" }\n\n' +
      '[cluster]\nexecutor = "slurm"\nhost = "login.example.org"\npartition = "debug"\n';
    const dryRun = (profile: string) => {
      const result = spawnSync(
        join(clone, "bin", "slipway"),
        ["launch", "--dry-run", "--json", "-p", profile, "--", "python", "train.py"],
        { env, cwd: dir, encoding: "utf8" },
      );
      // The job id and the time differ from run to run.
      const stdout = result.stdout.replace(/train-[a-z0-9]{6}/g, "ID").replace(/"createdAt": "[^"]+"/g, "");
      return { status: result.status, stdout, stderr: result.stderr };
    };
    const entries = () =>
      statSync(join(store, "cache"), { throwIfNoEntry: false }) ? readdirSync(join(store, "cache")) : [];
    writeFileSync(config, valid);
    const fresh = ["cpu", "plain", "cluster"].map(dryRun);
    expect(fresh.map((r) => r.status)).toEqual([0, 0, 0]);
    expect(entries()).toHaveLength(1);
    const entry = join(store, "cache", entries()[0] ?? "");
    expect(statSync(entry).mode & 0o777).toBe(0o600);
    expect(statSync(join(store, "cache")).mode & 0o777).toBe(0o700);
    // The entry holds the file's text and what it gave, never what a reference resolves to.
    expect(readFileSync(entry, "utf8")).not.toContain(CANARY_KEY);
    // Reused: the same plans, to the byte.
    expect(["cpu", "plain", "cluster"].map(dryRun)).toEqual(fresh);
    // Reused, not validated again: what the entry says is what the launch gets.
    const kept = JSON.parse(readFileSync(entry, "utf8")) as { wandb: { project: string } };
    writeFileSync(entry, JSON.stringify({ ...kept, wandb: { ...kept.wandb, project: "from-the-entry" } }));
    expect(dryRun("plain").stdout).toContain('"WANDB_PROJECT": "from-the-entry"');
    // An edit is validated again: the error, not the plan of before.
    writeFileSync(config, valid.replace("grace_seconds = 3", 'grace_seconds = "3"'));
    const edited = dryRun("plain");
    expect(edited.status).toBe(2);
    expect(edited.stderr).toContain("plain.grace_seconds");
    writeFileSync(config, valid.replace('project = "cached"', 'project = "edited"'));
    expect(dryRun("plain").stdout).toContain('"WANDB_PROJECT": "edited"');
    expect(entries()).toHaveLength(1);
    // A damaged entry is a miss, not an error.
    writeFileSync(entry, "{ not json");
    expect(dryRun("plain")).toMatchObject({
      status: 0,
      stdout: expect.stringContaining('"edited"') as string,
    });
  });

  it("installed without a Node of its own, runs with node from PATH", () => {
    const pathDir = join(work, "path-with-node22");
    mkdirSync(pathDir, { recursive: true });
    symlinkSync(process.execPath, join(pathDir, "node"));
    const result = run(join(registry, "bin", "slipway"), ["--version"], `${pathDir}:${cleanPath}`);
    expect(result).toMatchObject({ status: 0, stdout: "0.1.0\n", stderr: "" });
  });

  it.skipIf(!oldNode)("an unsupported Node running the bundle prints one line naming the Node needed", () => {
    const result = run(usrBinNode, [join(clone, "dist", "bin", "slipway.js"), "--help"], cleanPath);
    expect(result).toMatchObject({
      status: 1,
      stdout: "",
      stderr: `error: slipway needs Node ^22.19.0 || >=24, but ${oldNode!.execPath} is ${oldNode!.version}\n`,
    });
  });

  it.skipIf(!oldNode)("bin/slipway with an unsupported node on PATH prints the same one line", () => {
    const result = run(join(registry, "bin", "slipway"), ["launch", "--dry-run", "--", "true"], cleanPath);
    expect(result).toMatchObject({
      status: 1,
      stdout: "",
      stderr: `error: slipway needs Node ^22.19.0 || >=24, but ${oldNode!.execPath} is ${oldNode!.version}\n`,
    });
  });
});
