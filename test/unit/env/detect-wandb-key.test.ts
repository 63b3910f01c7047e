import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DetectFs } from "../../../src/env/detect-fs.ts";
import { detectWandbKey, type WandbKeyDetection } from "../../../src/env/detect-wandb-key.ts";
import { validateApiKey } from "../../../src/env/validate-api-key.ts";
import { Secret } from "../../../src/secret.ts";

const KEY = randomBytes(20).toString("hex");
const OTHER_KEY = randomBytes(20).toString("hex");
const netrcBlock = (machine: string, password: string): string =>
  `machine ${machine}\n  login user\n  password ${password}\n`;
const SHAPE = 'the part after the first "-" must be at least 40 characters of letters, digits, "_" or "-"';
const FORGE = {
  baseUrl: "https://api.forge.coreweave.com",
  host: "api.forge.coreweave.com",
  baseUrlSource: "default",
};

describe("validateApiKey", () => {
  it.each([
    { name: "40 hex (legacy)", key: "0123456789abcdef0123456789abcdef01234567" },
    { name: "86 characters", key: "A1_".repeat(28) + "xy" },
    { name: "on-prem local- prefix", key: `local-${"a".repeat(40)}` },
    { name: "dashes after the first one count", key: `p-${"-".repeat(40)}` },
    { name: "JWT", key: "eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl" },
    { name: "Unicode letters are \\w in Python", key: "é".repeat(40) },
  ])("accepts $name", ({ key }) => {
    expect(validateApiKey(key)).toBeUndefined();
  });

  it.each([
    { name: "empty", key: "", reason: "it is empty" },
    {
      name: "39 characters",
      key: "a".repeat(39),
      reason: 'it must be at least 40 characters of letters, digits or "_"',
    },
    { name: "a short secret after the prefix", key: `local-${"a".repeat(39)}`, reason: SHAPE },
    {
      name: "a dot outside a JWT",
      key: `${"a".repeat(40)}.x`,
      reason: 'it must be at least 40 characters of letters, digits or "_"',
    },
    { name: "trailing newline", key: `${"a".repeat(40)}\n`, reason: "it has leading or trailing whitespace" },
    {
      name: "leading U+3000",
      key: `\u3000${"a".repeat(40)}`,
      reason: "it has leading or trailing whitespace",
    },
    { name: "astral characters count once", key: `x-${"😀".repeat(40)}`, reason: SHAPE },
  ])("rejects $name", ({ key, reason }) => {
    expect(validateApiKey(key)).toBe(reason);
  });
});

describe("detectWandbKey", () => {
  let root = "";
  let home = "";
  let cwd = "";
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "slipway-detect-"));
    home = join(root, "home");
    cwd = join(root, "work");
    mkdirSync(home);
    mkdirSync(cwd);
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** Writes files under the temp root; a value of `null` makes a directory. */
  const setUp = (files: Record<string, string | Buffer | null>): void => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      if (text === null) mkdirSync(join(root, path));
      else writeFileSync(join(root, path), text);
    }
  };
  const fill = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll("<root>", root)) as T;
  const run = (env: Record<string, string>, configBaseUrl?: string): WandbKeyDetection =>
    detectWandbKey({ env: fill(env), homeDir: home, cwd, configBaseUrl });

  it.each([
    {
      name: "WANDB_API_KEY",
      files: {},
      env: { WANDB_API_KEY: KEY },
      want: { source: "WANDB_API_KEY", ...FORGE },
    },
    {
      name: "~/.netrc api.wandb.ai, the machine behind the Forge default",
      files: { "home/.netrc": netrcBlock("api.wandb.ai", KEY) },
      env: {},
      want: { source: "netrc", netrcPath: "<root>/home/.netrc", machine: "api.wandb.ai", ...FORGE },
    },
    {
      name: "empty WANDB_API_KEY falls through to netrc",
      files: { "home/.netrc": netrcBlock("api.forge.coreweave.com", KEY) },
      env: { WANDB_API_KEY: "" },
      want: {
        source: "netrc",
        netrcPath: "<root>/home/.netrc",
        machine: "api.forge.coreweave.com",
        ...FORGE,
      },
    },
    {
      name: "host with port, not the port-less entry",
      files: { "home/.netrc": netrcBlock("localhost", OTHER_KEY) + netrcBlock("localhost:8080", KEY) },
      env: { WANDB_BASE_URL: "http://localhost:8080/" },
      want: {
        source: "netrc",
        netrcPath: "<root>/home/.netrc",
        machine: "localhost:8080",
        baseUrl: "http://localhost:8080",
        host: "localhost:8080",
        baseUrlSource: "WANDB_BASE_URL",
      },
    },
    {
      name: "default entry",
      files: { "home/.netrc": `machine other.example password ${OTHER_KEY}\ndefault password ${KEY}\n` },
      env: {},
      want: { source: "netrc", netrcPath: "<root>/home/.netrc", machine: "default", ...FORGE },
    },
    {
      name: "NETRC",
      files: {
        "elsewhere/netrc": netrcBlock("api.wandb.ai", KEY),
        "home/.netrc": netrcBlock("api.wandb.ai", OTHER_KEY),
      },
      env: { NETRC: "<root>/elsewhere/netrc" },
      want: { source: "netrc", netrcPath: "<root>/elsewhere/netrc", machine: "api.wandb.ai", ...FORGE },
    },
    {
      name: "~/_netrc when there is no ~/.netrc",
      files: { "home/_netrc": netrcBlock("api.wandb.ai", KEY) },
      env: {},
      want: { source: "netrc", netrcPath: "<root>/home/_netrc", machine: "api.wandb.ai", ...FORGE },
    },
    {
      name: "a settings file's api_key, the SDK's last fallback",
      files: { "home/.config/wandb/settings": `[default]\napi_key = ${KEY}\n` },
      env: {},
      want: { source: "settings", settingsPath: "<root>/home/.config/wandb/settings", ...FORGE },
    },
  ])("finds an API key: $name", ({ files, env, want }) => {
    setUp(files);
    const result = run(env);
    if (result.status !== "found" || result.kind !== "api-key")
      throw new Error(`expected a key, got ${result.status}`);
    const { key, ...rest } = result;
    expect(rest).toEqual(fill({ status: "found", kind: "api-key", ...want, warnings: [] }));
    expect(key.reveal() === KEY, "the key found is not the planted one").toBe(true);
  });

  it("finds an identity token file, made absolute", () => {
    expect(run({ WANDB_IDENTITY_TOKEN_FILE: "token.jwt", WANDB_API_KEY: "" })).toEqual(
      fill({
        status: "found",
        kind: "identity-token",
        tokenFile: "<root>/work/token.jwt",
        source: "WANDB_IDENTITY_TOKEN_FILE",
        ...FORGE,
        warnings: [],
      }),
    );
  });

  const HINT = '(run "wandb login")';
  it.each([
    {
      name: "nothing",
      files: {},
      env: {},
      reason: `no API key: WANDB_API_KEY is unset and there is no <root>/home/.netrc ${HINT}`,
      warnings: [],
    },
    {
      name: "no entry for the host",
      files: { "home/.netrc": netrcBlock("other.example", KEY) },
      env: { WANDB_API_KEY: "" },
      reason: `no API key: WANDB_API_KEY is empty and <root>/home/.netrc has no entry for api.forge.coreweave.com or api.wandb.ai ${HINT}`,
      warnings: [],
    },
    {
      name: "NETRC names a missing file (no fallback to ~/.netrc)",
      files: { "home/.netrc": netrcBlock("api.wandb.ai", KEY) },
      env: { NETRC: "<root>/nope" },
      reason: `no API key: WANDB_API_KEY is unset and NETRC names <root>/nope, which does not exist ${HINT}`,
      warnings: [],
    },
    {
      name: "malformed netrc",
      files: { "home/.netrc": `${netrcBlock("api.wandb.ai", KEY)}  port 443\n` },
      env: {},
      reason: `no API key: WANDB_API_KEY is unset and <root>/home/.netrc could not be read ${HINT}`,
      warnings: [
        'failed to read netrc file at <root>/home/.netrc: line 4: expected "login", "user", "account" or "password" in a machine entry',
      ],
    },
    {
      name: "netrc is a directory",
      files: { "home/.netrc": null },
      env: {},
      reason: `no API key: WANDB_API_KEY is unset and <root>/home/.netrc could not be read ${HINT}`,
      warnings: ["failed to read netrc file at <root>/home/.netrc: it is a directory"],
    },
    {
      name: "entry without a password",
      files: { "home/.netrc": "machine api.forge.coreweave.com login user\n" },
      env: {},
      reason: `no API key: WANDB_API_KEY is unset and the netrc entry "api.forge.coreweave.com" in <root>/home/.netrc has no password ${HINT}`,
      warnings: [
        'the netrc entry "api.forge.coreweave.com" in <root>/home/.netrc has no password; the W&B SDK ignores it',
      ],
    },
    {
      name: "settings api_key overridden by an empty WANDB_API_KEY",
      files: { "home/.config/wandb/settings": `[default]\napi_key = ${KEY}\n` },
      env: { WANDB_API_KEY: "" },
      reason: `no API key: WANDB_API_KEY is empty and there is no <root>/home/.netrc ${HINT}`,
      warnings: [],
    },
  ])("reports a missing key: $name", ({ files, env, reason, warnings }) => {
    setUp(files);
    expect(run(env)).toEqual(fill({ status: "missing", reason, ...FORGE, warnings }));
  });

  it("suggests --host when env.toml picked the server", () => {
    expect(run({}, "https://wandb.corp.example")).toMatchObject(
      fill({
        status: "missing",
        reason:
          'no API key: WANDB_API_KEY is unset and there is no <root>/home/.netrc (run "wandb login --host https://wandb.corp.example")',
        baseUrlSource: "env.toml",
      }),
    );
  });

  it.each([
    {
      name: "whitespace",
      files: {},
      env: { WANDB_API_KEY: `${KEY}\n` },
      reason: "WANDB_API_KEY has leading or trailing whitespace",
    },
    {
      name: "both env vars",
      files: {},
      env: { WANDB_API_KEY: KEY, WANDB_IDENTITY_TOKEN_FILE: "/t.jwt" },
      reason: "both WANDB_API_KEY and WANDB_IDENTITY_TOKEN_FILE are set; unset one",
    },
    {
      name: "short env key",
      files: {},
      env: { WANDB_API_KEY: "local-abc" },
      reason: `WANDB_API_KEY is not a valid API key: ${SHAPE}`,
    },
    {
      name: "bad key in the default entry",
      files: { "home/.netrc": "default password local-abc\n" },
      env: {},
      reason: `the netrc entry "default" in <root>/home/.netrc has an invalid API key: ${SHAPE}`,
    },
    {
      name: "bad settings api_key",
      files: { "work/wandb/settings": "[default]\napi_key = x-y\n" },
      env: {},
      reason: `the api_key in the W&B settings file <root>/work/wandb/settings is not a valid API key: ${SHAPE}`,
    },
    {
      name: "netrc not UTF-8",
      files: { "home/.netrc": Buffer.from(`# caf\xe9\n${netrcBlock("api.wandb.ai", KEY)}`, "latin1") },
      env: {},
      reason: "the netrc file <root>/home/.netrc is not valid UTF-8",
    },
  ])("reports what the SDK would reject: $name", ({ files, env, reason }) => {
    setUp(files);
    expect(run(env)).toEqual(
      fill({ status: "invalid", reason, baseUrl: FORGE.baseUrl, host: FORGE.host, warnings: [] }),
    );
  });

  it("reports an invalid server URL without a base URL", () => {
    expect(run({ WANDB_BASE_URL: "https://app.wandb.ai" })).toEqual({
      status: "invalid",
      reason:
        'WANDB_BASE_URL "https://app.wandb.ai" is not a W&B API address; use an api. host such as https://api.wandb.ai',
      warnings: [],
    });
  });
});

describe("detectWandbKey with an injected fs", () => {
  const fakeFs = (files: Record<string, string>, failing: Record<string, string> = {}): DetectFs => ({
    readFile: (path) => {
      const code = failing[path];
      if (code !== undefined) throw Object.assign(new Error(`${code}: ${path}`), { code });
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return text;
    },
    isDirectory: () => false,
    exists: (path) => path in files || path in failing,
  });

  it("finds a key without touching the disk", () => {
    const fs = fakeFs({ "/h/.netrc": netrcBlock("api.wandb.ai", KEY) });
    expect(detectWandbKey({ env: {}, homeDir: "/h", cwd: "/w", fs })).toMatchObject({
      status: "found",
      netrcPath: "/h/.netrc",
    });
  });

  it("warns about a netrc it cannot read, by error code", () => {
    const fs = fakeFs({}, { "/h/.netrc": "EACCES" });
    expect(detectWandbKey({ env: {}, homeDir: "/h", cwd: "/w", fs }).warnings).toEqual([
      "failed to read netrc file at /h/.netrc: EACCES",
    ]);
  });

  it("never throws, even when the fs does", () => {
    const broken: DetectFs = {
      readFile: () => "",
      isDirectory: () => false,
      exists: () => {
        throw Object.assign(new Error("I/O error"), { code: "EIO" });
      },
    };
    expect(detectWandbKey({ env: {}, homeDir: "/h", cwd: "/w", fs: broken })).toEqual({
      status: "invalid",
      reason: "could not look for W&B credentials: EIO",
      warnings: [],
    });
  });
});

describe("detectWandbKey never leaks the key", () => {
  const CANARY = `zq${randomBytes(19).toString("hex")}`;
  // Every 6-character piece of the key: no message may hold any part of it.
  const pieces = Array.from({ length: CANARY.length - 5 }, (_, i) => CANARY.slice(i, i + 6));
  const misplaced = {
    "~/.netrc": { ".netrc": `machine api.wandb.ai login user ${CANARY}\n` },
    "#word comment": { ".netrc": `#${CANARY} ${CANARY}\n` },
    "too short": { ".netrc": `default password x-${CANARY.slice(0, 20)}\n` },
    "bad character": { ".netrc": `default password ${CANARY}$\n` },
    "quoted with spaces": { ".netrc": `default password " ${CANARY} "\n` },
    "bad settings file": { ".config/wandb/settings": `[default]\napi_key = ${CANARY}\n${CANARY}\n` },
    "settings with a %": { ".config/wandb/settings": `[default]\napi_key = ${CANARY}%\n` },
    "settings base_url": { ".config/wandb/settings": `[default]\nbase_url = ${CANARY}\n` },
  };

  it.each([
    ...Object.entries(misplaced).map(([name, files]) => ({ name, files, env: {} })),
    { name: "WANDB_API_KEY with whitespace", files: {}, env: { WANDB_API_KEY: ` ${CANARY}` } },
    { name: "WANDB_API_KEY too short", files: {}, env: { WANDB_API_KEY: CANARY.slice(0, 30) } },
    {
      name: "WANDB_API_KEY with both",
      files: {},
      env: { WANDB_API_KEY: CANARY, WANDB_IDENTITY_TOKEN_FILE: "t" },
    },
    { name: "found", files: {}, env: { WANDB_API_KEY: CANARY } },
  ])("$name", ({ files, env }) => {
    const home = "/h";
    const fs: DetectFs = {
      readFile: (path) => {
        const text = (files as Record<string, string>)[path.slice(home.length + 1)];
        if (text === undefined) throw Object.assign(new Error("missing"), { code: "ENOENT" });
        return text;
      },
      isDirectory: () => false,
      exists: (path) => path.slice(home.length + 1) in files,
    };
    const result = detectWandbKey({ env, homeDir: home, cwd: "/w", fs });
    const printed = [JSON.stringify(result), inspect(result, { depth: 10 }), String(Object.values(result))];
    for (const text of printed) {
      expect(
        pieces.some((piece) => text.includes(piece)),
        "a printed form holds part of the key",
      ).toBe(false);
    }
  });
});

describe("detectWandbKey with an env_file key", () => {
  const FILE_KEY = randomBytes(20).toString("hex");
  const envFileKey = { key: new Secret(FILE_KEY), path: "/repo/.env" };
  const netrc: DetectFs = {
    readFile: () => netrcBlock("api.wandb.ai", KEY),
    isDirectory: () => false,
    exists: (path) => path === "/h/.netrc",
  };
  const detect = (env: Record<string, string>, fileKey = envFileKey) =>
    detectWandbKey({ env, homeDir: "/h", cwd: "/w", fs: netrc, envFileKey: fileKey });
  const keyOf = (result: WandbKeyDetection): string | undefined =>
    result.status === "found" && result.kind === "api-key" ? result.key.reveal() : undefined;

  it.each([
    {
      name: "beats netrc",
      env: {},
      want: { source: "env-file", envFilePath: "/repo/.env", warnings: [] },
      key: FILE_KEY,
    },
    {
      name: "beats netrc when WANDB_API_KEY is empty",
      env: { WANDB_API_KEY: "" },
      want: { source: "env-file", envFilePath: "/repo/.env", warnings: [] },
      key: FILE_KEY,
    },
    {
      name: "loses to WANDB_API_KEY, with a warning",
      env: { WANDB_API_KEY: OTHER_KEY },
      want: {
        source: "WANDB_API_KEY",
        warnings: ["the WANDB_API_KEY in /repo/.env is not used: the environment's WANDB_API_KEY wins"],
      },
      key: OTHER_KEY,
    },
    {
      name: "loses silently to the same WANDB_API_KEY",
      env: { WANDB_API_KEY: FILE_KEY },
      want: { source: "WANDB_API_KEY", warnings: [] },
      key: FILE_KEY,
    },
    {
      name: "loses to WANDB_IDENTITY_TOKEN_FILE, with a warning",
      env: { WANDB_IDENTITY_TOKEN_FILE: "/t.jwt" },
      want: {
        kind: "identity-token",
        source: "WANDB_IDENTITY_TOKEN_FILE",
        warnings: ["the WANDB_API_KEY in /repo/.env is not used: WANDB_IDENTITY_TOKEN_FILE is set"],
      },
      key: undefined,
    },
  ])("$name", ({ env, want, key }) => {
    const result = detect(env);
    expect(result).toMatchObject({ status: "found", ...want });
    expect(keyOf(result) === key, "not the expected key").toBe(true);
  });

  it.each([
    { name: "too short", key: "local-abc", problem: SHAPE },
    {
      name: "with a trailing space (quoted)",
      key: `${FILE_KEY} `,
      problem: "it has leading or trailing whitespace",
    },
  ])("reports an invalid key in the file: $name", ({ key, problem }) => {
    const result = detect({}, { key: new Secret(key), path: "/repo/.env" });
    expect(result).toMatchObject({
      status: "invalid",
      reason: `the WANDB_API_KEY in /repo/.env is not a valid API key: ${problem}`,
    });
    expect(JSON.stringify(result)).not.toContain(FILE_KEY);
  });
});
