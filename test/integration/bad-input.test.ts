import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeFifo } from "../helpers/fifo.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, type Sandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const LOCAL = '[local]\nexecutor = "local"\n';
const KEY = "abcdef0123".repeat(4);

interface Case {
  readonly name: string;
  readonly toml?: string;
  readonly env?: Record<string, string>;
  readonly setup?: (box: Sandbox) => void;
  readonly args: readonly string[];
  readonly status: number;
  /** Exactly what the CLI prints on stderr; `{config}`, `{home}` and `{store}` stand for the sandbox's paths. */
  readonly stderr: string;
}

const CASES: readonly Case[] = [
  {
    name: "invalid TOML",
    toml: `${LOCAL}nodes = = 2\n`,
    args: ["launch", "--", "true"],
    status: 2,
    stderr: 'error: {config}:3:9: invalid value\n2:  executor = "local"\n3:  nodes = = 2\n            ^\n',
  },
  {
    name: "wrong types",
    toml: `${LOCAL}nodes = "two"\nenv = { A = 1 }\n`,
    args: ["launch", "--", "true"],
    status: 2,
    stderr:
      "error: {config}: 2 problems in env.toml\n" +
      "  local.env.A: expected string, got integer\n" +
      '  local.nodes: expected integer ≥ 1, got "two"\n',
  },
  {
    name: "unknown key, with a suggestion",
    toml: `${LOCAL}grace_secnds = 3\n`,
    args: ["launch", "--", "true"],
    status: 2,
    stderr:
      "error: {config}: 1 problem in env.toml\n" +
      '  local.grace_secnds: unknown key "grace_secnds" (did you mean "grace_seconds"?)\n',
  },
  {
    name: "unknown executor",
    toml: '[local]\nexecutor = "lokal"\n',
    args: ["launch", "--", "true"],
    status: 2,
    stderr:
      "error: {config}: 1 problem in env.toml\n" +
      '  local.executor: unknown executor "lokal" (expected one of local, docker, slurm, kubernetes, ray; did you mean "local"?)\n',
  },
  {
    name: "unknown profile",
    args: ["launch", "--profile", "gpu", "--", "true"],
    status: 2,
    stderr:
      'error: {config}: no profile "gpu" (profiles: local)\nhint: pick one of the profiles, or add a [gpu] table to env.toml\n',
  },
  {
    name: "extends cycle",
    toml: '[a]\nextends = "b"\n[b]\nextends = "a"\n',
    args: ["launch", "-p", "a", "--", "true"],
    status: 2,
    stderr: "error: {config}: 1 problem in env.toml\n  a.extends: extends cycle: a → b → a\n",
  },
  {
    name: "${env:X} unset without a default",
    toml: `${LOCAL}workdir = "\${env:SCRATCH}/runs"\n`,
    args: ["launch", "--", "true"],
    status: 2,
    stderr:
      "error: {config}: environment variable SCRATCH is not set\n" +
      "  local.workdir: ${env:SCRATCH} is unset and has no default\n" +
      "hint: export the variable before launching, or give a default with ${env:NAME:-value}\n",
  },
  {
    name: "invalid base_url",
    toml: `[wandb]\nbase_url = "ftp://files.example.com"\n${LOCAL}`,
    args: ["launch", "--", "true"],
    status: 2,
    stderr:
      'error: W&B server URL is invalid: the base_url in env.toml "ftp://files.example.com" is not a valid http or https URL: the scheme must be http or https\n' +
      "hint: fix base_url in {config} or WANDB_BASE_URL\n",
  },
  {
    name: "malformed netrc (warned and ignored, as the SDK does)",
    setup: (box) => {
      writeFileSync(join(box.home, ".netrc"), "machine api.forge.coreweave.com\n  login user\n  pasword x\n");
    },
    args: ["launch", "--dry-run", "--", "true"],
    status: 0,
    stderr:
      'slipway: failed to read netrc file at {home}/.netrc: line 3: expected "login", "user", "account" or "password" in a machine entry\n' +
      'slipway: W&B: no API key: WANDB_API_KEY is unset and {home}/.netrc could not be read (run "wandb login"); jobs run with WANDB_MODE=offline (said once a day; mode = "offline" under [wandb] in {config} silences it)\n',
  },
  {
    name: "key with whitespace",
    env: { WANDB_API_KEY: ` ${KEY}` },
    args: ["launch", "--", "true"],
    status: 2,
    stderr:
      "error: W&B API key is unusable: WANDB_API_KEY has leading or trailing whitespace\n" +
      'hint: fix the key (e.g. run "wandb login --relogin"), or set mode = "offline" under [wandb]\n',
  },
  {
    name: "both WANDB_API_KEY and WANDB_IDENTITY_TOKEN_FILE",
    env: { WANDB_API_KEY: KEY, WANDB_IDENTITY_TOKEN_FILE: "/run/token.jwt" },
    args: ["launch", "--", "true"],
    status: 2,
    stderr:
      "error: W&B API key is unusable: both WANDB_API_KEY and WANDB_IDENTITY_TOKEN_FILE are set; unset one\n" +
      'hint: fix the key (e.g. run "wandb login --relogin"), or set mode = "offline" under [wandb]\n',
  },
  {
    name: "invalid tags",
    toml: `[wandb]\ntags = ["ok", "x,y"]\n${LOCAL}`,
    args: ["launch", "--", "true"],
    status: 2,
    stderr:
      'error: tags in [wandb] in {config}: tag 2 ("x,y") contains a comma, which WANDB_TAGS uses to separate tags\n' +
      "hint: the W&B SDK would reject this value when the job starts\n",
  },
  {
    name: "a command that does not exist",
    env: { WANDB_API_KEY: KEY, PATH: "/usr/bin:/bin" },
    args: ["launch", "--", "pyhton3", "train.py"],
    status: 2,
    stderr:
      'error: command not found: pyhton3\nhint: "pyhton3" is not an executable in the job\'s PATH (/usr/bin:/bin)\n',
  },
  {
    name: "invalid shm_size (docker)",
    toml: '[box]\nexecutor = "docker"\nimage = "x"\nshm_size = "16 gigs"\n',
    args: ["launch", "-p", "box", "--", "true"],
    status: 2,
    stderr:
      "error: {config}: 1 problem in env.toml\n" +
      '  box.shm_size: expected a size such as "64G" or "512M", got "16 gigs"\n',
  },
  {
    name: "a NUL in a profile's env value",
    toml: `${LOCAL}env = { A = "x\\u0000y" }\n`,
    env: { WANDB_API_KEY: KEY },
    args: ["launch", "--dry-run", "--", "true"],
    status: 2,
    stderr:
      "error: {config}: 1 problem in env.toml\n" +
      "  local.env.A: value contains a NUL character, which no process environment can hold\n",
  },
  {
    name: "a NUL in a [wandb] value",
    toml: `[wandb]\nproject = "a\\u0000b"\n${LOCAL}`,
    env: { WANDB_API_KEY: KEY },
    args: ["launch", "--dry-run", "--", "true"],
    status: 2,
    stderr:
      "error: {config}: 1 problem in env.toml\n" +
      "  wandb.project: value contains a NUL character, which no process environment can hold\n",
  },
  {
    name: "an empty program, in a dry run",
    env: { WANDB_API_KEY: KEY },
    args: ["launch", "--dry-run", "--", ""],
    status: 2,
    stderr: "error: recipe.command[0], the program, is empty: say what to run (e.g. python train.py)\n",
  },
  {
    name: "an empty program",
    env: { WANDB_API_KEY: KEY },
    args: ["launch", "--", "", "train.py"],
    status: 2,
    stderr: "error: recipe.command[0], the program, is empty: say what to run (e.g. python train.py)\n",
  },
  {
    name: "status of an unknown id",
    args: ["status", "nope"],
    status: 2,
    stderr: 'error: no job "nope" in {store}/jobs\nhint: slipway list shows the known jobs\n',
  },
];

describe("bad input: a clear message, a non-zero exit, no stack trace", () => {
  it.each(CASES)("$name", (c) => {
    const box = makeSandbox(tempDir(), c.toml ?? LOCAL, c.env);
    c.setup?.(box);
    const result = runCli(c.args, { env: box.env, cwd: box.root });
    const expected = c.stderr
      .replaceAll("{config}", box.config)
      .replaceAll("{home}", box.home)
      .replaceAll("{store}", box.slipwayHome);
    expect(result.stderr).toBe(expected);
    expect(result.status).toBe(c.status);
  });

  // The FIFO's helper releases a CLI that wrongly blocks reading it after 3 s, so a regression fails, never hangs.
  it.each([
    ["--config", (fifo: string) => ({ args: ["profiles", "--config", fifo], env: {} })],
    ["SLIPWAY_CONFIG", (fifo: string) => ({ args: ["profiles"], env: { SLIPWAY_CONFIG: fifo } })],
  ])(
    "refuses a FIFO given by %s instead of hanging",
    (_, given) => {
      const box = makeSandbox(tempDir());
      const fifo = makeFifo(box.root, "fifo.toml");
      const { args, env } = given(fifo);
      const result = runCli(args, { env: { ...box.env, ...env }, cwd: box.root });
      expect(result.stderr).toBe(
        `error: ${fifo}: cannot read the config file: it is a FIFO (named pipe), not a regular file\n`,
      );
      expect(result.status).toBe(2);
    },
    20_000,
  );

  it("marks the record of a command that does not exist as failed", () => {
    const box = makeSandbox(tempDir(), LOCAL, { WANDB_API_KEY: KEY });
    runCli(["launch", "--name", "typo", "--", "pyhton3"], { env: box.env, cwd: box.root });
    const [job] = JSON.parse(runCli(["list", "--json"], { env: box.env, cwd: box.root }).stdout) as {
      name: string;
      state: string;
      raw: string;
    }[];
    expect(job).toMatchObject({ name: "typo", state: "failed", raw: "not-started" });
  });

  it("treats cancel of a finished job as a no-op", () => {
    const box = makeSandbox(tempDir(), LOCAL, { WANDB_API_KEY: KEY });
    const id = runCli(["launch", "--detach", "--", "true"], { env: box.env, cwd: box.root }).stdout.trim();
    runCli(["logs", "-f", id], { env: box.env, cwd: box.root });
    const result = runCli(["cancel", id], { env: box.env, cwd: box.root });
    expect(result.stderr).toBe(`slipway: ${id} already ended (succeeded); nothing to cancel\n`);
    expect(result.status).toBe(0);
  });
});
