import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.ts";
import { listProfiles, resolveProfile, resolveWandb } from "../../../src/config/resolve-profile.ts";
import type { ResolvedProfile } from "../../../src/config/types.ts";
import { ConfigError } from "../../../src/errors.ts";
import { Secret } from "../../../src/secret.ts";

const FILE = "/repo/env.toml";

function resolve(text: string, name: string, env: Record<string, string> = {}): ResolvedProfile {
  return resolveProfile(parseConfig(text, FILE), name, env);
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

const NO_RESOURCES = { nodes: 1, gpusPerNode: 0, nprocPerNode: 1, cpusPerNode: undefined, memory: undefined };

describe("resolveProfile defaults", () => {
  it("fills every field of a bare local profile", () => {
    expect(resolve('[l]\nexecutor = "local"', "l")).toStrictEqual({
      name: "l",
      file: FILE,
      env: {},
      workdir: undefined,
      resources: NO_RESOURCES,
      launcher: "none",
      package: undefined,
      excludes: [],
      envFile: undefined,
      executor: "local",
      inheritEnv: true,
      graceSeconds: 10,
      gpuIds: undefined,
      retries: 0,
      time: undefined,
    });
  });

  it("maps every common and local key to its camelCase field", () => {
    const text = [
      "[l]",
      'executor = "local"',
      'env = { A = "1" }',
      'workdir = "/w"',
      "nodes = 2",
      "gpus_per_node = 4",
      "nproc_per_node = 2",
      "cpus_per_node = 16",
      'memory = "64G"',
      'launcher = "torchrun"',
      'package = "git"',
      'excludes = ["data/", "*.ckpt"]',
      'env_file = "secrets/.env"',
      "inherit_env = false",
      "grace_seconds = 2.5",
      'gpu_ids = ["0", 3, "GPU-8932f937", 5]',
      "retries = 2",
      'time = "1-00:30"',
    ].join("\n");
    expect(resolve(text, "l")).toStrictEqual({
      name: "l",
      file: FILE,
      env: { A: "1" },
      workdir: "/w",
      resources: { nodes: 2, gpusPerNode: 4, nprocPerNode: 2, cpusPerNode: 16, memory: "64G" },
      launcher: "torchrun",
      package: "git",
      excludes: ["data/", "*.ckpt"],
      envFile: { path: "secrets/.env", configFile: FILE, setBy: "l.env_file" },
      executor: "local",
      inheritEnv: false,
      graceSeconds: 2.5,
      gpuIds: ["0", "3", "GPU-8932f937", "5"],
      retries: 2,
      time: "1-00:30",
    });
  });

  it.each([
    [0, 1],
    [1, 1],
    [8, 8],
  ])("defaults nproc_per_node to gpus_per_node (%i GPUs → %i)", (gpus, nproc) => {
    const profile = resolve(`[l]\nexecutor = "local"\ngpus_per_node = ${gpus}`, "l");
    expect(profile.resources.nprocPerNode).toBe(nproc);
  });

  it.each([
    [
      "docker",
      'image = "img"',
      {
        image: "img",
        gpus: undefined,
        shmSize: undefined,
        mounts: [],
        host: undefined,
        pull: "missing",
        user: undefined,
        network: undefined,
        init: true,
        secrets: "file",
        rm: false,
        retries: 0,
        time: undefined,
      },
    ],
    [
      "slurm",
      'host = "login"\ntime = "30"',
      {
        target: {
          tunnel: "ssh",
          host: "login",
          user: undefined,
          port: undefined,
          identity: undefined,
          jump: undefined,
          hostKeyPolicy: "strict",
        },
        account: undefined,
        partition: undefined,
        qos: undefined,
        time: "30",
        constraint: undefined,
        exclusive: false,
        cpusPerTask: undefined,
        sbatchArgs: [],
        remoteJobDir: "~/.slipway/jobs",
        containerImage: undefined,
        containerMounts: [],
        setup: [],
        retries: 0,
      },
    ],
    [
      "kubernetes",
      'image = "img"\ntime = "1-00"\nmounts = ["pvc:data:/data:ro", "host:/scratch:/scratch"]',
      {
        image: "img",
        namespace: "default",
        context: undefined,
        kubeconfig: undefined,
        serviceAccount: undefined,
        nodeSelector: {},
        tolerations: [],
        imagePullPolicy: undefined,
        imagePullSecrets: [],
        secretName: undefined,
        timeLimitSeconds: 86400,
        retries: 0,
        queue: undefined,
        graceSeconds: 30,
        shmSize: undefined,
        mounts: [
          { kind: "pvc", source: "data", path: "/data", readOnly: true },
          { kind: "host", source: "/scratch", path: "/scratch", readOnly: false },
        ],
        labels: {},
        masterPort: 29500,
        ttlSecondsAfterFinished: undefined,
      },
    ],
    [
      "ray",
      'address = "http://head:8265/"\nmemory = 1024\nretries = 1\ntime = "90"',
      {
        address: "http://head:8265",
        token: undefined,
        workingDir: undefined,
        numCpus: undefined,
        numGpus: undefined,
        memory: 1024,
        resources: {},
        pip: [],
        retries: 1,
        time: "90",
      },
    ],
  ])("puts %s keys with their defaults in settings", (kind, keys, settings) => {
    const profile = resolve(`[p]\nexecutor = "${kind}"\nnodes = 2\n${keys}`, "p");
    expect(profile).toMatchObject({ executor: kind, resources: { nodes: 2, memory: undefined } });
    expect("settings" in profile && profile.settings).toStrictEqual(settings);
  });

  it("keeps a Ray token as a Secret", () => {
    const text = '[r]\nexecutor = "ray"\naddress = "https://ray"\ntoken = "${env:RAY_TOKEN}"';
    const profile = resolve(text, "r", { RAY_TOKEN: "s3cret" });
    const token = profile.executor === "ray" ? profile.settings.token : undefined;
    expect(token).toBeInstanceOf(Secret);
    expect((token as Secret).reveal()).toBe("s3cret");
    expect(JSON.stringify(profile)).not.toContain("s3cret");
  });
});

describe("resolveProfile extends chains", () => {
  const chain = [
    "[base]",
    'executor = "local"',
    'env = { A = "base", B = "base" }',
    "nodes = 2",
    'workdir = "/base"',
    "[mid]",
    'extends = "base"',
    'env = { B = "mid", C = "mid" }',
    "gpus_per_node = 2",
    "[leaf]",
    'extends = "mid"',
    'env = { C = "leaf" }',
    'workdir = "/leaf"',
  ].join("\n");

  it("merges env key-wise and lets the child win for other keys", () => {
    expect(resolve(chain, "leaf")).toMatchObject({
      name: "leaf",
      executor: "local",
      env: { A: "base", B: "mid", C: "leaf" },
      workdir: "/leaf",
      resources: { nodes: 2, gpusPerNode: 2, nprocPerNode: 2 },
    });
  });

  it("leaves the parents as written", () => {
    expect(resolve(chain, "base")).toMatchObject({ env: { A: "base", B: "base" }, workdir: "/base" });
  });

  it("replaces other tables whole", () => {
    const text =
      '[k]\nexecutor = "kubernetes"\nimage = "i"\nnode_selector = { a = "1", b = "2" }\n[k2]\nextends = "k"\nnode_selector = { c = "3" }';
    const profile = resolve(text, "k2");
    expect(profile.executor === "kubernetes" && profile.settings.nodeSelector).toStrictEqual({ c: "3" });
  });

  it("inherits env_file, naming the profile that wrote it; a child's own replaces it", () => {
    const text = `${chain}\nenv_file = "leaf.env"\n[base2]\nextends = "mid"`.replace(
      'workdir = "/base"',
      'workdir = "/base"\nenv_file = "${env:ENV_FILE:-.env}"',
    );
    expect(resolveProfile(parseConfig(text, FILE), "base2", {}).envFile).toEqual({
      path: ".env",
      configFile: FILE,
      setBy: "base.env_file",
    });
    expect(resolveProfile(parseConfig(text, FILE), "leaf", {}).envFile).toEqual({
      path: "leaf.env",
      configFile: FILE,
      setBy: "leaf.env_file",
    });
  });

  it("refuses an empty env_file, once resolved too", () => {
    expect(errorOf(() => resolve('[l]\nexecutor = "local"\nenv_file = ""', "l")).issues).toEqual([
      { path: "l.env_file", message: "expected a non-empty string" },
    ]);
    const config = parseConfig('[l]\nexecutor = "local"\nenv_file = "${env:F}"', FILE);
    expect(errorOf(() => resolveProfile(config, "l", { F: "" })).issues).toEqual([
      { path: "l.env_file", message: "expected a non-empty string" },
    ]);
  });
});

describe("resolveProfile ${env:…}", () => {
  const text = (value: string) => `[l]\nexecutor = "local"\nworkdir = "${value}"`;

  it.each([
    ["${env:D}", { D: "/data" }, "/data"],
    ["${env:D}", { D: "" }, ""],
    ["${env:D:-/fallback}", {}, "/fallback"],
    ["${env:D:-/fallback}", { D: "" }, "/fallback"],
    ["${env:D:-/fallback}", { D: "/set" }, "/set"],
    ["${env:D:-}", {}, ""],
    ["${env:ROOT}/runs/${env:USER:-me}", { ROOT: "/r" }, "/r/runs/me"],
  ])("resolves %s with %o to %s", (value, env, expected) => {
    expect(resolve(text(value), "l", env).workdir).toBe(expected);
  });

  it("reports an unset variable without default with file, key path and variable", () => {
    const error = errorOf(() => resolve(text("${env:DATA}/x"), "l"));
    expect(error.code).toBe("ENV_UNSET");
    expect(error.message).toBe(
      `${FILE}: environment variable DATA is not set\n  l.workdir: \${env:DATA} is unset and has no default`,
    );
    expect(error.issues).toEqual([{ path: "l.workdir", message: "${env:DATA} is unset and has no default" }]);
    expect(error.hint).toBe(
      "export the variable before launching, or give a default with ${env:NAME:-value}",
    );
  });

  it("reports every unset variable at the profile that wrote it", () => {
    const chain = [
      "[base]",
      'executor = "local"',
      'env = { A = "${env:X}" }',
      "[gpu0]",
      'extends = "base"',
      'env = { B = "${env:Y}" }',
      'workdir = "${env:X}"',
    ].join("\n");
    const error = errorOf(() => resolve(chain, "gpu0"));
    expect(error.message).toBe(
      [
        `${FILE}: environment variables X, Y are not set`,
        "  base.env.A: ${env:X} is unset and has no default",
        "  gpu0.env.B: ${env:Y} is unset and has no default",
        "  gpu0.workdir: ${env:X} is unset and has no default",
      ].join("\n"),
    );
  });

  it("ignores references in other profiles and in values the child overrides", () => {
    const config =
      '[a]\nexecutor = "local"\nworkdir = "${env:UNSET}"\n[b]\nextends = "a"\nworkdir = "/b"\n[c]\nexecutor = "local"\nworkdir = "${env:ALSO_UNSET}"';
    expect(resolve(config, "b").workdir).toBe("/b");
  });

  it("resolves inside arrays and tables of settings", () => {
    const config =
      '[d]\nexecutor = "docker"\nimage = "${env:REG}/img"\nmounts = ["${env:HOME}/c:/c"]\nenv = { H = "${env:HOME}" }';
    const profile = resolve(config, "d", { REG: "ghcr.io", HOME: "/home/me" });
    expect(profile.env).toEqual({ H: "/home/me" });
    expect("settings" in profile && profile.settings).toMatchObject({
      image: "ghcr.io/img",
      mounts: ["/home/me/c:/c"],
    });
  });

  it("refuses a NUL that ${env:…} brings into an env value, at the key that wrote it", () => {
    const chain = '[base]\nexecutor = "local"\nenv = { A = "${env:X}" }\n[gpu0]\nextends = "base"';
    const error = errorOf(() => resolve(chain, "gpu0", { X: "x\0y" }));
    expect(error.code).toBe("CONFIG_SCHEMA");
    expect(error.message).toBe(
      [
        `${FILE}: 1 problem in profile "gpu0" once \${env:…} is resolved`,
        "  base.env.A: value contains a NUL character, which no process environment can hold",
      ].join("\n"),
    );
  });

  it("refuses a NUL that ${env:…} brings into [wandb]", () => {
    const config = parseConfig('[wandb]\nproject = "${env:P}"', FILE);
    const error = errorOf(() => resolveWandb(config, { P: "a\0b" }));
    expect(error.code).toBe("CONFIG_SCHEMA");
    expect(error.message).toBe(
      [
        `${FILE}: 1 problem in [wandb] once \${env:…} is resolved`,
        "  wandb.project: value contains a NUL character, which no process environment can hold",
      ].join("\n"),
    );
  });

  it("checks formats again once resolved", () => {
    const config = '[s]\nexecutor = "slurm"\ntunnel = "${env:T}"\ntime = "${env:TIME}"';
    const error = errorOf(() => resolve(config, "s", { T: "ssh", TIME: "2h" }));
    expect(error.code).toBe("CONFIG_SCHEMA");
    expect(error.message).toBe(
      [
        `${FILE}: 2 problems in profile "s" once \${env:…} is resolved`,
        '  s.host: required for executor "slurm" (unless tunnel = "local")',
        '  s.time: expected a Slurm time (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got "2h"',
      ].join("\n"),
    );
    expect(resolve(config, "s", { T: "local", TIME: "1-00" })).toMatchObject({
      settings: { target: { tunnel: "local" }, time: "1-00" },
    });
  });
});

describe("resolveProfile unknown profiles", () => {
  const config = parseConfig('[local]\nexecutor = "local"\n[gpu0]\nextends = "local"', FILE);

  it.each([
    ["gpu1", `${FILE}: no profile "gpu1" (profiles: gpu0, local; did you mean "gpu0"?)`],
    ["cluster", `${FILE}: no profile "cluster" (profiles: gpu0, local)`],
    ["wandb", `${FILE}: no profile "wandb" (profiles: gpu0, local)`],
  ])("names %s, the profiles and a near one", (name, message) => {
    const error = errorOf(() => resolveProfile(config, name, {}));
    expect(error.code).toBe("PROFILE_UNKNOWN");
    expect(error.message).toBe(message);
    expect(error.hint).toBe(`pick one of the profiles, or add a [${name}] table to env.toml`);
  });

  it.each([
    ["20,000", 20_000],
    ["2 MB", 2_000_000],
  ])(
    "names a %s-character near miss without a suggestion",
    (_, length) => {
      const name = "g".repeat(length);
      const near = `${name.slice(1)}h`;
      const big = parseConfig(`[${name}]\nexecutor = "local"`, FILE);
      const error = errorOf(() => resolveProfile(big, near, {}));
      expect(error.code).toBe("PROFILE_UNKNOWN");
      expect(error.message).toBe(`${FILE}: no profile ${JSON.stringify(near)} (profiles: ${name})`);
    },
    10_000,
  );

  it("resolves the end of an extends chain of 4,000 profiles", () => {
    const text = Array.from({ length: 4_000 }, (_, i) =>
      i === 0
        ? '[p0]\nexecutor = "local"\nenv = { A = "0" }'
        : `[p${i}]\nextends = "p${i - 1}"\nnodes = ${i}`,
    ).join("\n");
    const profile = resolve(text, "p3999");
    expect([profile.env, profile.resources.nodes]).toEqual([{ A: "0" }, 3_999]);
  }, 10_000);

  it("says when there are no profiles at all", () => {
    const error = errorOf(() => resolveProfile(parseConfig("", FILE), "local", {}));
    expect(error.message).toBe(`${FILE}: no profile "local" (no profiles are defined)`);
  });
});

describe("resolveWandb and listProfiles", () => {
  it("resolves every [wandb] key to its camelCase field", () => {
    const text = [
      "[wandb]",
      'project = "${env:P:-llm}"',
      'entity = "team"',
      'base_url = "https://wandb.example"',
      'name = "run"',
      'group = "g"',
      'job_type = "train"',
      'tags = ["a", "${env:TAG}"]',
      'notes = "n"',
      'mode = "${env:MODE}"',
      "require_key = true",
      'env_file = "${env:ENV_FILE}"',
    ].join("\n");
    expect(
      resolveWandb(parseConfig(text, FILE), { TAG: "b", MODE: "offline", ENV_FILE: "~/.env" }),
    ).toStrictEqual({
      project: "llm",
      entity: "team",
      baseUrl: "https://wandb.example",
      name: "run",
      group: "g",
      jobType: "train",
      tags: ["a", "b"],
      notes: "n",
      mode: "offline",
      requireKey: true,
      envFile: { path: "~/.env", configFile: FILE, setBy: "wandb.env_file" },
    });
  });

  it("leaves an absent section undefined, requireKey false", () => {
    expect(resolveWandb(parseConfig("", FILE), {})).toStrictEqual({
      project: undefined,
      entity: undefined,
      baseUrl: undefined,
      name: undefined,
      group: undefined,
      jobType: undefined,
      tags: undefined,
      notes: undefined,
      mode: undefined,
      requireKey: false,
      envFile: undefined,
    });
  });

  it("reports unset variables and bad resolved values in [wandb]", () => {
    const config = parseConfig('[wandb]\nproject = "${env:P}"\nmode = "${env:M}"', FILE);
    expect(errorOf(() => resolveWandb(config, { M: "online" })).issues).toEqual([
      { path: "wandb.project", message: "${env:P} is unset and has no default" },
    ]);
    expect(errorOf(() => resolveWandb(config, { P: "p", M: "loud" })).message).toBe(
      `${FILE}: 1 problem in [wandb] once \${env:…} is resolved\n  wandb.mode: expected one of online, offline, disabled, got "loud"`,
    );
  });

  it("lists profiles in file order with their executor and parent", () => {
    const config = parseConfig(
      '[b]\nexecutor = "docker"\nimage = "i"\n[a]\nextends = "b"\n[c]\nexecutor = "local"',
      FILE,
    );
    expect(listProfiles(config)).toEqual([
      { name: "b", executor: "docker", extends: undefined },
      { name: "a", executor: "docker", extends: "b" },
      { name: "c", executor: "local", extends: undefined },
    ]);
  });
});

describe("resolveProfile GPUs: local gpu_ids, docker gpus", () => {
  it.each([
    ['gpu_ids = ["0", 3]', { gpusPerNode: 2, nprocPerNode: 2 }, ["0", "3"]],
    ['gpu_ids = ["1"]\ngpus_per_node = 1\nnproc_per_node = 4', { gpusPerNode: 1, nprocPerNode: 4 }, ["1"]],
    ["gpus_per_node = 2", { gpusPerNode: 2, nprocPerNode: 2 }, undefined],
  ])("local %s", (lines, resources, gpuIds) => {
    const profile = resolve(`[l]\nexecutor = "local"\n${lines}`, "l");
    expect(profile).toMatchObject({ resources, gpuIds });
  });

  it.each([
    ['gpus = "all"', { gpusPerNode: 0, nprocPerNode: "gpu" }],
    ['gpus = "all"\nnproc_per_node = 2', { gpusPerNode: 0, nprocPerNode: 2 }],
    ['gpus = "all"\ngpus_per_node = 4', { gpusPerNode: 4, nprocPerNode: 4 }],
    ["gpus = 2", { gpusPerNode: 2, nprocPerNode: 2 }],
    ['gpus = ["0", "1", "2"]', { gpusPerNode: 3, nprocPerNode: 3 }],
    ["", { gpusPerNode: 0, nprocPerNode: 1 }],
  ])("docker %s: torchrun's process count follows the container's GPUs", (lines, resources) => {
    const profile = resolve(`[d]\nexecutor = "docker"\nimage = "x"\n${lines}`, "d");
    expect(profile.resources).toMatchObject(resources);
  });

  it.each([
    [
      "a child's gpu_ids win over an inherited gpus_per_node",
      "gpus_per_node = 0",
      'gpu_ids = ["3"]',
      1,
      ["3"],
    ],
    [
      "a child's gpus_per_node takes the first of inherited gpu_ids",
      'gpu_ids = ["2", "3"]',
      "gpus_per_node = 1",
      1,
      ["2", "3"],
    ],
  ])("%s", (_, parent, child, gpusPerNode, gpuIds) => {
    const text = `[base]\nexecutor = "local"\n${parent}\n\n[l]\nextends = "base"\n${child}`;
    expect(resolve(text, "l")).toMatchObject({ resources: { gpusPerNode }, gpuIds });
  });

  it("refuses gpu_ids and gpus_per_node that disagree, at the key", () => {
    const error = errorOf(() =>
      resolve('[l]\nexecutor = "local"\ngpu_ids = ["0", "3"]\ngpus_per_node = 4', "l"),
    );
    expect(error.issues).toEqual([
      {
        path: "l.gpu_ids",
        message: "lists 2 GPUs but gpus_per_node = 4; drop gpus_per_node (gpu_ids sets the count)",
      },
    ]);
  });

  it.each([
    ['["0", "0"]', "l.gpu_ids", "lists the same GPU twice"],
    ['["0,1"]', "l.gpu_ids[0]", 'expected a GPU index (0, "0") or UUID ("GPU-…"), got "0,1"'],
    ["[-1]", "l.gpu_ids[0]", 'expected a GPU index (0, "0") or UUID ("GPU-…"), got -1'],
  ])("refuses gpu_ids = %s", (ids, path, message) => {
    const error = errorOf(() => parseConfig(`[l]\nexecutor = "local"\ngpu_ids = ${ids}`, FILE));
    expect(error.issues).toEqual([{ path, message }]);
  });
});
