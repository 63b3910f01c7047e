import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeDetectFs } from "../../../src/env/detect-fs.ts";
import { expandUser } from "../../../src/env/expand-user.ts";
import { normalizeWandbBaseUrl } from "../../../src/env/normalize-wandb-base-url.ts";
import { urlsplit } from "../../../src/env/urlsplit.ts";
import { DEFAULT_WANDB_BASE_URL, resolveWandbBaseUrl } from "../../../src/env/wandb-base-url.ts";

describe("normalizeWandbBaseUrl", () => {
  it.each([
    { raw: "https://api.wandb.ai/", url: "https://api.wandb.ai" },
    { raw: "http://localhost:8080//", url: "http://localhost:8080" },
    { raw: "https://example.com/wandb/", url: "https://example.com/wandb" },
    { raw: "HTTP://LocalHost:8080", url: "HTTP://LocalHost:8080" },
    { raw: "https://forge.coreweave.com/api/wandb/", url: "https://api.forge.coreweave.com" },
    { raw: "https://wandb.ai.example.com", url: "https://wandb.ai.example.com" },
  ])("accepts $raw as $url", ({ raw, url }) => {
    expect(normalizeWandbBaseUrl(raw)).toEqual({ ok: true, url });
  });

  it.each([
    { raw: "", reason: "is not a valid http or https URL: it cannot be parsed" },
    { raw: "example.com", reason: "is not a valid http or https URL: it cannot be parsed" },
    {
      raw: "ftp://example.com",
      reason: "is not a valid http or https URL: the scheme must be http or https",
    },
    {
      raw: "https://example.com ",
      reason: "is not a valid http or https URL: it has surrounding whitespace or control characters",
    },
    { raw: "https:example.com", reason: 'is not a valid http or https URL: expected "//" after the scheme' },
    { raw: "https://example.com\\a", reason: 'is not a valid http or https URL: it contains "\\"' },
    {
      raw: "https://example.com/a b",
      reason: "is not a valid http or https URL: it has characters that must be percent-encoded",
    },
    {
      raw: "https://example.com/%zz",
      reason: 'is not a valid http or https URL: a "%" is not followed by two hex digits',
    },
    {
      raw: "http://us@er@example.com",
      reason: 'is not a valid http or https URL: it has an unencoded "@" in the user info',
    },
    {
      raw: "https://forge.coreweave.com",
      reason: "is not a valid Forge server address; use https://api.forge.coreweave.com",
    },
    {
      raw: "https://wandb.ai",
      reason: "is not a W&B API address; use an api. host such as https://api.wandb.ai",
    },
    { raw: "http://api.wandb.ai", reason: "must use https for wandb.ai" },
  ])("rejects $raw", ({ raw, reason }) => {
    expect(normalizeWandbBaseUrl(raw)).toEqual({ ok: false, reason });
  });
});

describe("urlsplit", () => {
  it.each([
    { url: "https://api.wandb.ai", netloc: "api.wandb.ai", path: "" },
    { url: "http://LocalHost:8080/x?y#z", netloc: "LocalHost:8080", path: "/x" },
    { url: "https://u:p@host/", netloc: "u:p@host", path: "/" },
    { url: "http://[::1]:80/a", netloc: "[::1]:80", path: "/a" },
    { url: "http:/no-netloc", netloc: "", path: "/no-netloc" },
  ])("$url → $netloc", ({ url, netloc, path }) => {
    expect(urlsplit(url)).toMatchObject({ netloc, path });
  });
});

describe("expandUser", () => {
  it.each([
    { path: "~", expanded: "/home/u" },
    { path: "~/.netrc", expanded: "/home/u/.netrc" },
    { path: "~other/.netrc", expanded: "~other/.netrc" },
    { path: "rel/~", expanded: "rel/~" },
  ])("$path → $expanded", ({ path, expanded }) => {
    expect(expandUser(path, "/home/u/")).toBe(expanded);
  });
});

describe("resolveWandbBaseUrl", () => {
  let root = "";
  let home = "";
  let cwd = "";
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "slipway-base-url-"));
    home = join(root, "home");
    cwd = join(root, "work");
    mkdirSync(home);
    mkdirSync(cwd);
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** Writes `files` (paths start with `home/`, `work/` or anything under the temp root). */
  const setUp = (files: Record<string, string | Buffer>): void => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  };
  const fill = (text: string): string => text.replaceAll("<root>", root);
  const GLOBAL = "home/.config/wandb/settings";
  const WORKSPACE = "work/wandb/settings";

  it.each([
    {
      name: "nothing: the SDK default (Forge, with api.wandb.ai behind it)",
      files: {},
      env: {},
      want: {
        url: DEFAULT_WANDB_BASE_URL,
        host: "api.forge.coreweave.com",
        upstreamHost: "api.wandb.ai",
        source: "default",
      },
    },
    {
      name: "WANDB_BASE_URL, trailing slash removed",
      files: { [GLOBAL]: "[default]\nbase_url = https://global.example\n" },
      env: { WANDB_BASE_URL: "http://localhost:8080/" },
      want: { url: "http://localhost:8080", host: "localhost:8080", source: "WANDB_BASE_URL" },
    },
    {
      name: "env.toml beats WANDB_BASE_URL, even an invalid one",
      files: {},
      env: { WANDB_BASE_URL: "not a url" },
      configBaseUrl: "https://config.example:8443/",
      want: { url: "https://config.example:8443", host: "config.example:8443", source: "env.toml" },
    },
    {
      name: "global settings file",
      files: { [GLOBAL]: "[default]\nbase_url = https://global.example\n" },
      env: {},
      want: {
        url: "https://global.example",
        host: "global.example",
        source: "global settings <root>/home/.config/wandb/settings",
      },
    },
    {
      name: "workspace settings beat global ones",
      files: {
        [GLOBAL]: "[default]\nbase_url = https://global.example\n",
        [WORKSPACE]: "[default]\nbase_url: http://ws.example:1/\n",
      },
      env: {},
      want: {
        url: "http://ws.example:1",
        host: "ws.example:1",
        source: "workspace settings <root>/work/wandb/settings",
      },
    },
    {
      name: "./.wandb/settings when ./.wandb exists",
      files: {
        [WORKSPACE]: "[default]\nbase_url = https://plain.example\n",
        "work/.wandb/settings": "[default]\nbase_url = https://dot.example\n",
      },
      env: {},
      want: {
        url: "https://dot.example",
        host: "dot.example",
        source: "workspace settings <root>/work/.wandb/settings",
      },
    },
    {
      name: "WANDB_CONFIG_DIR with ~",
      files: { "home/cfg/settings": "[default]\nbase_url = https://cfg.example\n" },
      env: { WANDB_CONFIG_DIR: "~/cfg" },
      want: {
        url: "https://cfg.example",
        host: "cfg.example",
        source: "global settings <root>/home/cfg/settings",
      },
    },
    {
      name: "relative WANDB_CONFIG_DIR is under cwd",
      files: { "work/cfg/settings": "[default]\nbase_url = https://rel.example\n" },
      env: { WANDB_CONFIG_DIR: "cfg" },
      want: {
        url: "https://rel.example",
        host: "rel.example",
        source: "global settings <root>/work/cfg/settings",
      },
    },
    {
      name: "keys are lowercased, [DEFAULT] is merged, %% and %(name)s expand",
      files: {
        [GLOBAL]:
          "[DEFAULT]\nserver = d.example\n[default]\n# comment\nBASE_URL = https://%(server)s/a%%20b\n",
      },
      env: {},
      want: {
        url: "https://d.example/a%20b",
        host: "d.example",
        source: "global settings <root>/home/.config/wandb/settings",
      },
    },
    {
      name: "other sections are ignored",
      files: { [GLOBAL]: "[other]\nbase_url = https://other.example\n" },
      env: {},
      want: {
        url: DEFAULT_WANDB_BASE_URL,
        host: "api.forge.coreweave.com",
        upstreamHost: "api.wandb.ai",
        source: "default",
      },
    },
    {
      name: "api.wandb.ai has no second machine",
      files: {},
      env: { WANDB_BASE_URL: "https://api.wandb.ai" },
      want: { url: "https://api.wandb.ai", host: "api.wandb.ai", source: "WANDB_BASE_URL" },
    },
  ])("$name", ({ files, env, configBaseUrl, want }) => {
    setUp(files);
    const result = resolveWandbBaseUrl({ env, homeDir: home, cwd, configBaseUrl, fs: nodeDetectFs });
    expect(result).toEqual({ ok: true, ...want, source: fill(want.source), warnings: [] });
  });

  it.each([
    {
      name: "an invalid base_url drops every settings file",
      files: {
        [GLOBAL]: "[default]\nbase_url = ftp://files.example\n",
        [WORKSPACE]: "[default]\nmode = offline\n",
      },
      warning:
        'ignoring the W&B settings files <root>/home/.config/wandb/settings and <root>/work/wandb/settings: base_url "ftp://files.example" is not a valid http or https URL: the scheme must be http or https',
    },
    {
      name: "a continuation line puts a newline in base_url",
      files: { [GLOBAL]: "[default]\nbase_url =\n  https://cont.example\n" },
      warning:
        "ignoring the W&B settings file <root>/home/.config/wandb/settings: base_url is not a valid http or https URL: it has surrounding whitespace or control characters",
    },
    {
      name: "no section header",
      files: { [WORKSPACE]: "base_url = https://x.example\n" },
      warning:
        "ignoring the W&B settings file <root>/work/wandb/settings: line 1: a setting comes before the first [section] header",
    },
    {
      name: "a line without = or :",
      files: { [WORKSPACE]: "[default]\nbase_url = https://x.example\njunk\n" },
      warning: 'ignoring the W&B settings file <root>/work/wandb/settings: line 3: expected "key = value"',
    },
    {
      name: "a duplicate setting",
      files: { [WORKSPACE]: "[default]\nbase_url = https://x.example\nBase_URL = https://y.example\n" },
      warning:
        'ignoring the W&B settings file <root>/work/wandb/settings: line 3: the setting "base_url" appears twice in one section',
    },
    {
      name: "a duplicate section",
      files: { [WORKSPACE]: "[default]\nbase_url = https://x.example\n[default]\n" },
      warning:
        "ignoring the W&B settings file <root>/work/wandb/settings: line 3: the section [default] appears twice",
    },
  ])("warns and uses the default: $name", ({ files, warning }) => {
    setUp(files);
    const result = resolveWandbBaseUrl({ env: {}, homeDir: home, cwd, fs: nodeDetectFs });
    expect(result).toMatchObject({
      ok: true,
      url: DEFAULT_WANDB_BASE_URL,
      source: "default",
      warnings: [fill(warning)],
    });
  });

  it.each([
    {
      name: "empty WANDB_BASE_URL",
      env: { WANDB_BASE_URL: "" },
      files: {},
      reason: 'WANDB_BASE_URL "" is not a valid http or https URL: it cannot be parsed',
    },
    {
      name: "app host in env.toml",
      env: {},
      configBaseUrl: "https://wandb.ai",
      files: {},
      reason:
        'the base_url in env.toml "https://wandb.ai" is not a W&B API address; use an api. host such as https://api.wandb.ai',
    },
    {
      name: "user info is masked, text that is no URL is not echoed",
      env: { WANDB_BASE_URL: "https://user:pw@wandb.ai/" },
      configBaseUrl: undefined,
      files: {},
      reason:
        'WANDB_BASE_URL "https://***@wandb.ai/" is not a W&B API address; use an api. host such as https://api.wandb.ai',
    },
    {
      name: "a key pasted as the URL is not echoed",
      env: { WANDB_BASE_URL: "0123456789abcdef" },
      files: {},
      reason: "WANDB_BASE_URL is not a valid http or https URL: it cannot be parsed",
    },
    {
      name: "a bare % in a settings file",
      env: {},
      files: { [WORKSPACE]: "[default]\nbase_url = https://x.example/%zz\n" },
      reason:
        'the W&B settings file <root>/work/wandb/settings has a "%" the SDK cannot expand in "base_url": write "%%" for a literal "%"',
    },
    {
      name: "a reference to a missing setting",
      env: {},
      files: { [GLOBAL]: "[default]\nbase_url = https://%(nope)s\n" },
      reason:
        'the W&B settings file <root>/home/.config/wandb/settings has a "%" the SDK cannot expand in "base_url": "%(nope)s" names no setting',
    },
    {
      name: "a settings file that is not UTF-8",
      env: {},
      files: { [GLOBAL]: Buffer.from("[default]\nentity = caf\xe9\n", "latin1") },
      reason: "the W&B settings file <root>/home/.config/wandb/settings is not valid UTF-8",
    },
  ])("fails like the SDK: $name", ({ env, configBaseUrl, files, reason }) => {
    setUp(files);
    const result = resolveWandbBaseUrl({ env, homeDir: home, cwd, configBaseUrl, fs: nodeDetectFs });
    expect(result).toEqual({ ok: false, reason: fill(reason), warnings: [] });
  });

  it("returns a settings api_key as a Secret with its file", () => {
    setUp({ [GLOBAL]: "[default]\napi_key = k-global\n", [WORKSPACE]: "[default]\napi_key = k-local\n" });
    const result = resolveWandbBaseUrl({ env: {}, homeDir: home, cwd, fs: nodeDetectFs });
    if (!result.ok) throw new Error(result.reason);
    expect(result.settingsApiKey?.key.reveal()).toBe("k-local");
    expect(result.settingsApiKey?.path).toBe(join(cwd, "wandb", "settings"));
    expect(JSON.stringify(result)).not.toContain("k-local");
  });
});
