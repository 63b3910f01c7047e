import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EnvFileRef } from "../../../src/config/types.ts";
import { readEnvFiles, type EnvFileFs } from "../../../src/env/read-env-files.ts";
import { ConfigError } from "../../../src/errors.ts";
import { Secret } from "../../../src/secret.ts";
import { makeFifo } from "../../helpers/fifo.ts";
import { CANARY_KEY, useTempDirs } from "../../helpers/temp-dir.ts";
import { thrown } from "../../helpers/thrown.ts";

const tempDir = useTempDirs();

/** A project directory holding env.toml (not written: only its path matters) and the given files, mode 0600. */
function project(files: Record<string, string | Buffer>): { dir: string; ref: (path: string) => EnvFileRef } {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    chmodSync(join(dir, name), 0o600);
  }
  const configFile = join(dir, "env.toml");
  return { dir, ref: (path) => ({ path, configFile, setBy: "gpu.env_file" }) };
}

function configError(body: () => unknown): ConfigError {
  const error = thrown(body);
  if (!(error instanceof ConfigError)) throw error;
  return error;
}

describe("readEnvFiles: dotenv's grammar", () => {
  it.each([
    { name: "plain lines", text: "A=1\nB=two words\n", want: { A: "1", B: "two words" } },
    { name: "export, spaces around =", text: "export A = 1\n  B=2", want: { A: "1", B: "2" } },
    {
      name: "comments, blank lines",
      text: "# comment\n\nA=1 # trailing\nB='#kept'\n",
      want: { A: "1", B: "#kept" },
    },
    {
      name: "quotes; \\n expanded in double quotes only",
      text: `A="x\\ny"\nB='x\\ny'\nC=\`x\`\n`,
      want: { A: "x\ny", B: "x\\ny", C: "x" },
    },
    {
      name: "multi-line quoted value",
      text: 'A="line 1\nline 2"\nB=3\n',
      want: { A: "line 1\nline 2", B: "3" },
    },
    { name: "no $VAR expansion", text: "A=$HOME/x\nB=${A}\n", want: { A: "$HOME/x", B: "${A}" } },
    { name: "CRLF line ends", text: "A=1\r\nB=2\r\n", want: { A: "1", B: "2" } },
    { name: "the last of a repeated name wins", text: "A=1\nA=2\n", want: { A: "2" } },
    { name: "empty value", text: "A=\n", want: { A: "" } },
    { name: "lines that are not assignments are skipped", text: "just words\nA=1\n", want: { A: "1" } },
  ])("$name", ({ text, want }) => {
    const { ref } = project({ ".env": text });
    expect(readEnvFiles([ref(".env")], { homeDir: "/nowhere" }).vars).toEqual(want);
  });
});

describe("readEnvFiles", () => {
  it("takes WANDB_API_KEY out of the variables as the key, with its file", () => {
    const { dir, ref } = project({ ".env": `WANDB_API_KEY=${CANARY_KEY}\nHF_HOME=/cache\n` });
    const files = readEnvFiles([ref(".env")], { homeDir: "/nowhere" });
    expect(files.vars).toEqual({ HF_HOME: "/cache" });
    expect(files.apiKey?.path).toBe(join(dir, ".env"));
    expect(files.apiKey?.key).toBeInstanceOf(Secret);
    expect(files.apiKey?.key.reveal()).toBe(CANARY_KEY);
    expect(JSON.stringify(files) + String(files.apiKey?.key)).not.toContain(CANARY_KEY);
  });

  it("lets a later file win, skips undefined refs, and never takes an empty key", () => {
    const { dir, ref } = project({
      "wandb.env": `WANDB_API_KEY=${CANARY_KEY}\nA=wandb\nB=wandb\n`,
      "gpu.env": "WANDB_API_KEY=\nB=gpu\n",
      "other.env": "WANDB_API_KEY=other0000000000000000000000000000000000000\n",
    });
    const files = readEnvFiles([ref("wandb.env"), undefined, ref("gpu.env")], { homeDir: "/nowhere" });
    expect(files.vars).toEqual({ A: "wandb", B: "gpu" });
    expect(files.apiKey?.path).toBe(join(dir, "wandb.env"));
    const later = readEnvFiles([ref("wandb.env"), ref("other.env")], { homeDir: "/nowhere" });
    expect(later.apiKey?.path).toBe(join(dir, "other.env"));
    expect(readEnvFiles([undefined, undefined], { homeDir: "/nowhere" })).toEqual({
      vars: {},
      apiKey: undefined,
      notices: [],
    });
  });

  it("reads a path relative to the env.toml that names it, an absolute one, and ~/ in the home directory", () => {
    const { dir } = project({});
    const home = tempDir();
    mkdirSync(join(dir, "conf"));
    writeFileSync(join(dir, "conf", "rel.env"), "REL=1\n");
    writeFileSync(join(home, "home.env"), "HOME_FILE=1\n");
    const abs = join(tempDir(), "abs.env");
    writeFileSync(abs, "ABS=1\n");
    const configFile = join(dir, "conf", "env.toml");
    const refs = ["rel.env", abs, "~/home.env"].map((path) => ({ path, configFile, setBy: "gpu.env_file" }));
    expect(readEnvFiles(refs, { homeDir: home }).vars).toEqual({ REL: "1", ABS: "1", HOME_FILE: "1" });
  });

  it("reads a file named twice once", () => {
    const { ref } = project({ ".env": "HF_TOKEN=hf_0123456789\n" });
    chmodSync(join(ref(".env").configFile, "..", ".env"), 0o644);
    const files = readEnvFiles([ref(".env"), ref("./.env")], { homeDir: "/nowhere" });
    expect(files.notices).toHaveLength(1);
  });
});

describe("readEnvFiles: a world-readable file holding secrets is a warning, not an error", () => {
  it.each([
    {
      name: "0644 with a key",
      mode: 0o644,
      text: `WANDB_API_KEY=${CANARY_KEY}\nMY_PASSWORD=hunter2hunter2\nHF_HOME=/x\n`,
      notice: "holds WANDB_API_KEY, MY_PASSWORD and is readable by every user (mode 644); run chmod 600",
    },
    {
      name: "0604 with a token",
      mode: 0o604,
      text: "HF_TOKEN=hf_x\n",
      notice: "holds HF_TOKEN and is readable by every user (mode 604); run chmod 600",
    },
    { name: "0640 with a key", mode: 0o640, text: `WANDB_API_KEY=${CANARY_KEY}\n`, notice: undefined },
    { name: "0644 without secrets", mode: 0o644, text: "HF_HOME=/x\n", notice: undefined },
    { name: "0644 with an empty secret", mode: 0o644, text: "HF_TOKEN=\n", notice: undefined },
  ])("$name", ({ mode, text, notice }) => {
    const { dir, ref } = project({ ".env": text });
    const path = join(dir, ".env");
    chmodSync(path, mode);
    const files = readEnvFiles([ref(".env")], { homeDir: "/nowhere" });
    expect(files.notices).toEqual(notice === undefined ? [] : [`${path} ${notice} ${path}`]);
    expect(files.notices.join("\n")).not.toContain(CANARY_KEY);
  });
});

describe("readEnvFiles errors name the file and the key that named it, never a value", () => {
  it("a missing file", () => {
    const { dir, ref } = project({});
    const error = configError(() => readEnvFiles([ref(".env")], { homeDir: "/nowhere" }));
    const path = join(dir, ".env");
    const toml = join(dir, "env.toml");
    expect(error.code).toBe("CONFIG_READ");
    expect(error.message).toBe(`env file ${path} does not exist (named by gpu.env_file in ${toml})`);
    expect(error.hint).toBe(`create it, or remove gpu.env_file from ${toml}`);
    expect(error.file).toBe(toml);
    expect(error.issues).toEqual([{ path: "gpu.env_file", message: `${path} does not exist` }]);
  });

  it("a missing directory on the way", () => {
    const { dir, ref } = project({ ".env": "A=1\n" });
    expect(configError(() => readEnvFiles([ref(".env/x")], { homeDir: "/nowhere" })).message).toBe(
      `env file ${join(dir, ".env", "x")} does not exist (named by gpu.env_file in ${join(dir, "env.toml")})`,
    );
  });

  it.each([
    {
      name: "a directory",
      make: (dir: string) => {
        mkdirSync(join(dir, ".env"));
      },
      why: "it is a directory",
    },
    { name: "a FIFO", make: (dir: string) => makeFifo(dir, ".env"), why: "it is not a regular file" },
  ])("$name", ({ make, why }) => {
    const { dir, ref } = project({});
    make(dir);
    const error = configError(() => readEnvFiles([ref(".env")], { homeDir: "/nowhere" }));
    const toml = join(dir, "env.toml");
    expect(error.code).toBe("CONFIG_READ");
    expect(error.message).toBe(
      `env file ${join(dir, ".env")} cannot be read: ${why} (named by gpu.env_file in ${toml})`,
    );
    expect(error.hint).toBe(`make it a readable file, or remove gpu.env_file from ${toml}`);
  });

  it("an unreadable file", () => {
    const denied: EnvFileFs = {
      read: () => {
        throw Object.assign(new Error(`EACCES: permission denied, open '/p/.env'`), { code: "EACCES" });
      },
    };
    const ref = { path: "/p/.env", configFile: "/p/env.toml", setBy: "wandb.env_file" };
    const error = configError(() => readEnvFiles([ref], { homeDir: "/nowhere", fs: denied }));
    expect(error.message).toBe(
      "env file /p/.env cannot be read: permission denied (named by wandb.env_file in /p/env.toml)",
    );
    expect(error.hint).toBe("make it a readable file, or remove wandb.env_file from /p/env.toml");
  });

  it.each([
    {
      name: "not UTF-8",
      text: Buffer.concat([Buffer.from(`WANDB_API_KEY=${CANARY_KEY}\nA=`), Buffer.from([0xff, 0xfe])]),
      code: "CONFIG_READ",
      problem: "is not valid UTF-8",
    },
    {
      name: "names no environment can hold",
      text: `WANDB_API_KEY=${CANARY_KEY}\nmy.var=${CANARY_KEY}\n1ST=${CANARY_KEY}\nOK=1\n`,
      code: "CONFIG_SCHEMA",
      problem:
        'sets "my.var", "1ST", which are not valid variable names (letters, digits and _, not starting with a digit)',
    },
    {
      name: "a NUL in a value",
      text: `HF_TOKEN="${CANARY_KEY}\0"\n`,
      code: "CONFIG_SCHEMA",
      problem: "has a NUL character in the value of HF_TOKEN, which no process environment can hold",
    },
  ])("$name", ({ text, code, problem }) => {
    const { dir, ref } = project({ ".env": text });
    const error = configError(() => readEnvFiles([ref(".env")], { homeDir: "/nowhere" }));
    expect(error.code).toBe(code);
    expect(error.message).toBe(
      `env file ${join(dir, ".env")} ${problem} (named by gpu.env_file in ${join(dir, "env.toml")})`,
    );
    expect(`${error.message}\n${error.hint ?? ""}\n${JSON.stringify(error.issues)}`).not.toContain(
      CANARY_KEY,
    );
  });
});
