import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../../src/config/load-config.ts";
import { ConfigError, type ConfigIssue } from "../../../src/errors.ts";

const FILE = "/repo/env.toml";
const KINDS = "local, docker, slurm, kubernetes, ray";

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

function issuesOf(text: string): readonly ConfigIssue[] {
  const error = errorOf(() => parseConfig(text, FILE));
  expect(error.code).toBe("CONFIG_SCHEMA");
  return error.issues;
}

describe("parseConfig syntax errors", () => {
  it.each([
    [
      "a key defined twice",
      '[wandb]\nproject = "a"\nproject = "b"\n',
      3,
      1,
      `${FILE}:3:1: trying to redefine an already defined table or value\n2:  project = "a"\n3:  project = "b"\n    ^`,
    ],
    [
      "an integer too large for a number",
      "[a]\nnodes = 99999999999999999999\n",
      2,
      9,
      `${FILE}:2:9: integer value cannot be represented losslessly\n1:  [a]\n2:  nodes = 99999999999999999999\n            ^`,
    ],
    [
      "a __proto__ table",
      "[__proto__]\nx = 1\n",
      1,
      2,
      `${FILE}:1:2: document contains an unsafe property\n1:  [__proto__]\n     ^\n2:  x = 1`,
    ],
    [
      "a __proto__ key in an inline table",
      '[a]\nenv = { __proto__ = "x" }\n',
      2,
      9,
      `${FILE}:2:9: document contains an unsafe property\n1:  [a]\n2:  env = { __proto__ = "x" }\n            ^`,
    ],
  ])("reports %s with file:line:column and a code frame", (_, text, line, column, message) => {
    const error = errorOf(() => parseConfig(text, FILE));
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.message).toBe(message);
    expect([error.file, error.line, error.column]).toEqual([FILE, line, column]);
  });

  it("hints that __proto__ and constructor keys are refused", () => {
    expect(errorOf(() => parseConfig("[a]\nconstructor = 1\n", FILE)).hint).toBe(
      "keys named __proto__ or constructor are not allowed",
    );
  });
});

describe("parseConfig schema errors", () => {
  it.each([
    [
      "a wrong value type in env",
      '[gpu0]\nexecutor = "local"\nenv = { X = 1 }',
      "gpu0.env.X",
      "expected string, got integer",
    ],
    [
      "a NUL in an env value",
      '[gpu0]\nexecutor = "local"\nenv = { A = "x\\u0000y" }',
      "gpu0.env.A",
      "value contains a NUL character, which no process environment can hold",
    ],
    [
      "a NUL in a [wandb] value",
      '[wandb]\ntags = ["ok", "a\\u0000b"]',
      "wandb.tags[1]",
      "value contains a NUL character, which no process environment can hold",
    ],
    [
      "a NUL in a path",
      '[gpu0]\nexecutor = "local"\nworkdir = "/data\\u0000x"',
      "gpu0.workdir",
      "value contains a NUL character, which no command line, path or name can hold",
    ],
    [
      "a table where a string is expected",
      '[a]\nexecutor = "local"\nworkdir = { x = 1 }',
      "a.workdir",
      "expected string, got table",
    ],
    [
      "a string where a boolean is expected",
      '[a]\nexecutor = "local"\ninherit_env = "yes"',
      "a.inherit_env",
      "expected boolean, got string",
    ],
    [
      "an integer below its minimum",
      '[a]\nexecutor = "local"\nnodes = 0',
      "a.nodes",
      "expected integer ≥ 1, got 0",
    ],
    [
      "a float where an integer is expected",
      '[a]\nexecutor = "local"\ngpus_per_node = 1.5',
      "a.gpus_per_node",
      "expected integer ≥ 0, got 1.5",
    ],
    ["a quoted number", '[a]\nexecutor = "local"\nnodes = "2"', "a.nodes", 'expected integer ≥ 1, got "2"'],
    [
      "a number not above zero",
      '[a]\nexecutor = "local"\ngrace_seconds = 0',
      "a.grace_seconds",
      "expected number > 0, got 0",
    ],
    [
      "a port out of range",
      '[s]\nexecutor = "slurm"\nhost = "h"\nport = 70000',
      "s.port",
      "expected integer from 1 to 65535, got 70000",
    ],
    [
      "a bad memory size",
      '[a]\nexecutor = "local"\nmemory = "64 GB"',
      "a.memory",
      'expected a size such as "64G" or "512M", got "64 GB"',
    ],
    [
      "a bad Slurm time",
      '[s]\nexecutor = "slurm"\nhost = "h"\ntime = "2h"',
      "s.time",
      'expected a Slurm time (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got "2h"',
    ],
    [
      "a bad choice, with a suggestion",
      '[d]\nexecutor = "docker"\nimage = "i"\npull = "alway"',
      "d.pull",
      'expected one of never, missing, always, got "alway" (did you mean "always"?)',
    ],
    [
      "a choice of the wrong type",
      '[a]\nexecutor = "local"\nlauncher = true',
      "a.launcher",
      "expected one of none, torchrun, got true",
    ],
    [
      "bad docker gpus",
      '[d]\nexecutor = "docker"\nimage = "i"\ngpus = "some"',
      "d.gpus",
      'expected "all", an integer ≥ 0 or an array of device ids, got "some"',
    ],
    [
      "a bad mount",
      '[d]\nexecutor = "docker"\nimage = "i"\nmounts = ["/a:/b:rx"]',
      "d.mounts[0]",
      'expected a mount "source:target" or "source:target:ro|rw", got "/a:/b:rx"',
    ],
    [
      "a Ray address that is not http(s)",
      '[r]\nexecutor = "ray"\naddress = "ray://head:10001"',
      "r.address",
      'expected an http(s) URL such as "http://ray-head:8265", got "ray://head:10001"',
    ],
    [
      "an empty required string",
      '[d]\nexecutor = "docker"\nimage = ""',
      "d.image",
      "expected a non-empty string",
    ],
    [
      "a bad env variable name",
      '[a]\nexecutor = "local"\nenv = { "A-B" = "x" }',
      "a.env.A-B",
      "not a valid variable name (letters, digits and _, not starting with a digit)",
    ],
    ["a wrong array element", '[wandb]\ntags = ["a", 1]', "wandb.tags[1]", "expected string, got integer"],
    [
      "a wrong wandb mode",
      '[wandb]\nmode = "ofline"',
      "wandb.mode",
      'expected one of online, offline, disabled, got "ofline" (did you mean "offline"?)',
    ],
    [
      "a malformed ${env:} reference",
      '[a]\nexecutor = "local"\nworkdir = "${env:DATA"',
      "a.workdir",
      'malformed reference "${env:DATA" (write ${env:NAME} or ${env:NAME:-default})',
    ],
    [
      "a nested ${env:} reference",
      '[a]\nexecutor = "local"\nworkdir = "${env:A:-${env:B}}"',
      "a.workdir",
      'malformed reference "${env:A:-${env:B}" (write ${env:NAME} or ${env:NAME:-default})',
    ],
    ["a top-level value", "nodes = 2", "nodes", "expected a profile table, got integer"],
    ["a non-table [wandb]", 'wandb = "x"', "wandb", "expected table, got string"],
    [
      "an unknown key with a suggestion",
      '[s]\nexecutor = "slurm"\nhost = "h"\npartiton = "gpu"',
      "s.partiton",
      'unknown key "partiton" (did you mean "partition"?)',
    ],
    [
      "an unknown key without one",
      '[a]\nexecutor = "local"\ncolour = "red"',
      "a.colour",
      'unknown key "colour"',
    ],
    [
      "an unknown [wandb] key",
      '[wandb]\nprojet = "x"',
      "wandb.projet",
      'unknown key "projet" (did you mean "project"?)',
    ],
    [
      "a key of another executor",
      '[a]\nexecutor = "local"\nimage = "i"',
      "a.image",
      'unknown key "image" (only for docker, kubernetes profiles, not local)',
    ],
    [
      "a near key of another executor",
      '[a]\nexecutor = "local"\npartiton = "gpu"',
      "a.partiton",
      'unknown key "partiton" (did you mean "partition"? only for slurm profiles, not local)',
    ],
    [
      "an unknown executor",
      '[a]\nexecutor = "slrum"',
      "a.executor",
      `unknown executor "slrum" (expected one of ${KINDS}; did you mean "slurm"?)`,
    ],
    [
      "an executor far from any",
      '[a]\nexecutor = "vm"',
      "a.executor",
      `unknown executor "vm" (expected one of ${KINDS})`,
    ],
    [
      "an executor of the wrong type",
      "[a]\nexecutor = 1",
      "a.executor",
      `expected one of ${KINDS}, got integer`,
    ],
    [
      "a missing executor",
      "[a]\nnodes = 1",
      "a.executor",
      `required: one of ${KINDS} (or "extends" a profile that sets it)`,
    ],
    ["a missing docker image", '[d]\nexecutor = "docker"', "d.image", 'required for executor "docker"'],
    [
      "a missing kubernetes image",
      '[k]\nexecutor = "kubernetes"',
      "k.image",
      'required for executor "kubernetes"',
    ],
    ["a missing ray address", '[r]\nexecutor = "ray"', "r.address", 'required for executor "ray"'],
    [
      "a missing slurm host",
      '[s]\nexecutor = "slurm"',
      "s.host",
      'required for executor "slurm" (unless tunnel = "local")',
    ],
    [
      "an extends cycle",
      '[a]\nexecutor = "local"\nextends = "b"\n[b]\nextends = "a"',
      "a.extends",
      "extends cycle: a → b → a",
    ],
    [
      "a profile extending itself",
      '[a]\nexecutor = "local"\nextends = "a"',
      "a.extends",
      "extends cycle: a → a",
    ],
    [
      "extends to a missing profile",
      '[local]\nexecutor = "local"\n[gpu0]\nextends = "local"\n[x]\nextends = "nope"',
      "x.extends",
      'extends "nope", which is not a profile (profiles: gpu0, local, x)',
    ],
    [
      "extends to a near profile",
      '[local]\nexecutor = "local"\n[x]\nextends = "locl"',
      "x.extends",
      'extends "locl", which is not a profile (profiles: local, x; did you mean "local"?)',
    ],
    [
      "extends of the wrong type",
      '[a]\nexecutor = "local"\nextends = 1',
      "a.extends",
      "expected a profile name, got integer",
    ],
    [
      "a child switching executor",
      '[base]\nexecutor = "local"\n[mid]\nextends = "base"\n[d]\nextends = "mid"\nexecutor = "docker"\nimage = "i"',
      "d.executor",
      'executor "docker" does not match "local" inherited from "base" (a profile cannot switch executor)',
    ],
  ])("reports %s", (_, text, path, message) => {
    expect(issuesOf(text)).toEqual([{ path, message }]);
  });

  it("reports every issue at once, sorted by path, in one message", () => {
    const text = [
      "[wandb]",
      'mode = "loud"',
      "[zeta]",
      'executor = "local"',
      "nodes = 0",
      "[alpha]",
      'executor = "slurm"',
      'host = "h"',
      'partiton = "gpu"',
      'time = "1h"',
      "[alpha2]",
      'extends = "alpha"',
    ].join("\n");
    const error = errorOf(() => parseConfig(text, FILE));
    expect(error.message).toBe(
      [
        `${FILE}: 4 problems in env.toml`,
        '  alpha.partiton: unknown key "partiton" (did you mean "partition"?)',
        '  alpha.time: expected a Slurm time (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got "1h"',
        '  wandb.mode: expected one of online, offline, disabled, got "loud"',
        "  zeta.nodes: expected integer ≥ 1, got 0",
      ].join("\n"),
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      "alpha.partiton",
      "alpha.time",
      "wandb.mode",
      "zeta.nodes",
    ]);
    expect(error.file).toBe(FILE);
  });

  it("names the real file in the first line", () => {
    const error = errorOf(() => parseConfig('[a]\nexecutor = "local"\nnodes = 0', "/repo/dev.toml"));
    expect(error.message.split("\n")[0]).toBe("/repo/dev.toml: 1 problem in dev.toml");
  });

  it.each([
    ["a required key set by the parent", '[b]\nexecutor = "docker"\nimage = "i"\n[c]\nextends = "b"'],
    ["a slurm profile with tunnel = local", '[s]\nexecutor = "slurm"\ntunnel = "local"'],
    ["a tunnel decided by the environment", '[s]\nexecutor = "slurm"\ntunnel = "${env:TUNNEL}"'],
    [
      "formats hidden behind ${env:}",
      '[s]\nexecutor = "slurm"\nhost = "h"\ntime = "${env:T}"\npackage = "${env:P}"',
    ],
    ["an empty file", ""],
  ])("accepts %s", (_, text) => {
    expect(() => parseConfig(text, FILE)).not.toThrow();
  });

  it("keeps profiles in file order with their executor, parent and chain", () => {
    const config = parseConfig(
      '[z]\nexecutor = "local"\n[m]\nextends = "z"\n[a]\nextends = "m"\nnodes = 2',
      FILE,
    );
    expect([...config.profiles.values()]).toEqual([
      { name: "z", executor: "local", extends: undefined, chain: ["z"], values: {} },
      { name: "m", executor: "local", extends: "z", chain: ["m", "z"], values: {} },
      { name: "a", executor: "local", extends: "m", chain: ["a", "m", "z"], values: { nodes: 2 } },
    ]);
    expect(config.wandb).toEqual({});
  });
});

describe("loadConfig reading", () => {
  const enoent = () => {
    throw Object.assign(new Error("ENOENT: no such file or directory"), { code: "ENOENT" });
  };

  it.each([
    ["--config", { configPath: "dev.toml" }, {}],
    ["SLIPWAY_CONFIG", {}, { SLIPWAY_CONFIG: "dev.toml" }],
  ])("names a missing file given by %s", (by, options, env) => {
    const error = errorOf(() => loadConfig({ cwd: "/repo", env, readFile: enoent, ...options }));
    expect(error.code).toBe("CONFIG_NOT_FOUND");
    expect(error.message).toBe(`/repo/dev.toml: config file not found (given by ${by})`);
    expect(error.file).toBe("/repo/dev.toml");
  });

  it("reports any other read failure as CONFIG_READ with its cause", () => {
    const cause = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    const readFile = () => {
      throw cause;
    };
    const error = errorOf(() => loadConfig({ cwd: "/repo", env: {}, configPath: "env.toml", readFile }));
    expect(error.code).toBe("CONFIG_READ");
    expect(error.message).toBe("/repo/env.toml: cannot read the config file: EACCES: permission denied");
    expect(error.cause).toBe(cause);
  });

  it("reads the explicit path, resolved against cwd, and strips a BOM", () => {
    const read: string[] = [];
    const config = loadConfig({
      cwd: "/repo/sub",
      env: { SLIPWAY_CONFIG: "/elsewhere.toml" },
      configPath: "../env.toml",
      readFile: (path) => (read.push(path), '\uFEFF[local]\nexecutor = "local"\n'),
    });
    expect(read).toEqual(["/repo/env.toml"]);
    expect(config.file).toBe("/repo/env.toml");
    expect([...config.profiles.keys()]).toEqual(["local"]);
  });
});

describe("parseConfig on very large input", () => {
  const chain = (length: number) =>
    Array.from({ length }, (_, i) =>
      i === 0 ? '[p0]\nexecutor = "local"' : `[p${i}]\nextends = "p${i - 1}"`,
    ).join("\n");

  it.each([
    ["a 20,000-character profile name", 20_000],
    ["a 2 MB profile name", 2_000_000],
  ])(
    "reports an extends near %s without a suggestion",
    (_, length) => {
      const name = "n".repeat(length);
      const near = `${"n".repeat(length - 1)}m`;
      const text = `[${name}]\nexecutor = "local"\n[x]\nextends = "${near}"\n`;
      expect(issuesOf(text)).toEqual([
        {
          path: "x.extends",
          message: `extends ${JSON.stringify(near)}, which is not a profile (profiles: ${name}, x)`,
        },
      ]);
    },
    10_000,
  );

  it("reports a 2 MB unknown key without a suggestion", () => {
    const key = "k".repeat(2_000_000);
    expect(issuesOf(`[a]\nexecutor = "local"\n${key} = 1\n`)).toEqual([
      { path: `a.${key}`, message: `unknown key ${JSON.stringify(key)}` },
    ]);
  }, 10_000);

  it("follows an extends chain of 4,000 profiles", () => {
    const config = parseConfig(chain(4_000), FILE);
    const leaf = config.profiles.get("p3999");
    expect(leaf?.executor).toBe("local");
    expect(leaf?.chain).toHaveLength(4_000);
    expect([leaf?.chain[0], leaf?.chain[1], leaf?.chain[3_999]]).toEqual(["p3999", "p3998", "p0"]);
  }, 10_000);

  it("reports an extends cycle of 3,000 profiles once", () => {
    const names = Array.from({ length: 3_000 }, (_, i) => `p${i}`);
    const text = names.map((n, i) => `[${n}]\nextends = "p${(i + 1) % 3_000}"`).join("\n");
    expect(issuesOf(`${text}\nexecutor = "local"`)).toEqual([
      { path: "p0.extends", message: `extends cycle: ${[...names, "p0"].join(" → ")}` },
    ]);
  }, 10_000);

  it("reports a cycle reached through a tail once, at the loop", () => {
    const text =
      '[t]\nextends = "a"\n[a]\nextends = "b"\n[b]\nextends = "c"\nexecutor = "local"\n[c]\nextends = "b"';
    expect(issuesOf(text)).toEqual([{ path: "b.extends", message: "extends cycle: b → c → b" }]);
  });
});
