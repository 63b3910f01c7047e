import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { detectWandbKey, type WandbKeyDetection } from "../../src/env/detect-wandb-key.ts";
import { parseNetrc } from "../../src/env/netrc.ts";
import { normalizeWandbBaseUrl, urlsplit } from "../../src/env/wandb-base-url.ts";
import { describeWithEngine, wandbPython } from "../helpers/engine.ts";

// Differential test: every setup runs through detectWandbKey and through the real SDK (test/integration/
// wandb-oracle.py, one Python process forking a child per setup). Keys are compared here and never printed:
// assertions only show statuses, URLs and booleans.

const ORACLE_SCRIPT = join(import.meta.dirname, "wandb-oracle.py");
const hex = (n: number): string => randomBytes(n).toString("hex").slice(0, n);
const KEY = hex(40);
const KEY_2 = hex(40);
// "-" would make the part after it the checked secret; only the JWT and local- keys may contain one.
const KEY_86 = randomBytes(66).toString("base64url").replaceAll("-", "x").slice(0, 86);
const LOCAL_KEY = `local-${hex(40)}`;
const JWT = `${randomBytes(12).toString("base64url")}.${randomBytes(24).toString("base64url")}.${randomBytes(16).toString("base64url")}`;

type Expected = "found" | "missing" | "error";

interface Dirs {
  readonly home: string;
  readonly cwd: string;
  readonly root: string;
}

interface Setup {
  readonly name: string;
  /** What the SDK does, pinned so that a changed SDK shows up as a failure, not as silent agreement. */
  readonly expected: Expected;
  /** Writes files under the fresh dirs; returns env additions (HOME is always set). */
  readonly setup: (dirs: Dirs) => Record<string, string>;
}

const write = (path: string, text: string | Buffer): void => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode: 0o600 });
};
const netrcBlock = (machine: string, password: string): string =>
  `machine ${machine}\n  login user\n  password ${password}\n`;

const SETUPS: readonly Setup[] = [
  { name: "nothing at all", expected: "missing", setup: () => ({}) },
  { name: "WANDB_API_KEY set", expected: "found", setup: () => ({ WANDB_API_KEY: KEY }) },
  { name: "WANDB_API_KEY 86 chars", expected: "found", setup: () => ({ WANDB_API_KEY: KEY_86 }) },
  { name: "WANDB_API_KEY JWT", expected: "found", setup: () => ({ WANDB_API_KEY: JWT }) },
  { name: "WANDB_API_KEY trailing newline", expected: "error", setup: () => ({ WANDB_API_KEY: `${KEY}\n` }) },
  { name: "WANDB_API_KEY trailing space", expected: "error", setup: () => ({ WANDB_API_KEY: `${KEY} ` }) },
  { name: "WANDB_API_KEY too short", expected: "error", setup: () => ({ WANDB_API_KEY: "abc-123" }) },
  {
    name: "WANDB_API_KEY and WANDB_IDENTITY_TOKEN_FILE",
    expected: "error",
    setup: ({ cwd }) => (
      write(join(cwd, "token.jwt"), JWT),
      { WANDB_API_KEY: KEY, WANDB_IDENTITY_TOKEN_FILE: "token.jwt" }
    ),
  },
  {
    name: "WANDB_IDENTITY_TOKEN_FILE relative",
    expected: "found",
    setup: ({ cwd }) => (write(join(cwd, "token.jwt"), JWT), { WANDB_IDENTITY_TOKEN_FILE: "token.jwt" }),
  },
  {
    name: "empty WANDB_API_KEY falls through to netrc",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("api.wandb.ai", KEY)),
      { WANDB_API_KEY: "" }
    ),
  },
  {
    name: "~/.netrc api.wandb.ai (Forge upstream fallback)",
    expected: "found",
    setup: ({ home }) => (write(join(home, ".netrc"), netrcBlock("api.wandb.ai", KEY)), {}),
  },
  {
    name: "~/.netrc api.forge.coreweave.com",
    expected: "found",
    setup: ({ home }) => (write(join(home, ".netrc"), netrcBlock("api.forge.coreweave.com", KEY_86)), {}),
  },
  {
    name: "default entry beats the upstream machine",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".netrc"), `${netrcBlock("api.wandb.ai", KEY)}default\n  password ${KEY_2}\n`),
      {}
    ),
  },
  {
    name: "default entry only",
    expected: "found",
    setup: ({ home }) => (write(join(home, ".netrc"), `default login user password ${KEY}\n`), {}),
  },
  {
    name: "~/_netrc only",
    expected: "found",
    setup: ({ home }) => (write(join(home, "_netrc"), netrcBlock("api.wandb.ai", KEY)), {}),
  },
  {
    name: "NETRC points to a file",
    expected: "found",
    setup: ({ root }) => (
      write(join(root, "elsewhere", "netrc"), netrcBlock("api.wandb.ai", KEY)),
      {
        NETRC: join(root, "elsewhere", "netrc"),
      }
    ),
  },
  {
    name: "NETRC with ~",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, "my-netrc"), netrcBlock("api.wandb.ai", KEY)),
      { NETRC: "~/my-netrc" }
    ),
  },
  {
    name: "NETRC missing while ~/.netrc exists",
    expected: "missing",
    setup: ({ home, root }) => (
      write(join(home, ".netrc"), netrcBlock("api.wandb.ai", KEY)),
      {
        NETRC: join(root, "no-such-netrc"),
      }
    ),
  },
  {
    name: "localhost:8080 with port",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("localhost", KEY_2) + netrcBlock("localhost:8080", KEY)),
      { WANDB_BASE_URL: "http://localhost:8080" }
    ),
  },
  {
    name: "port-less machine does not match",
    expected: "missing",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("localhost", KEY)),
      {
        WANDB_BASE_URL: "http://localhost:8080/",
      }
    ),
  },
  {
    name: "host case is compared exactly",
    expected: "missing",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("localhost:8080", KEY)),
      {
        WANDB_BASE_URL: "http://LocalHost:8080",
      }
    ),
  },
  {
    name: "base URL with trailing slashes",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("wandb.example.com", KEY)),
      {
        WANDB_BASE_URL: "https://wandb.example.com//",
      }
    ),
  },
  {
    name: "base URL with a path",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("example.com:8443", KEY)),
      {
        WANDB_BASE_URL: "https://example.com:8443/wandb/",
      }
    ),
  },
  {
    name: "Forge proxy URL",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("api.forge.coreweave.com", KEY)),
      {
        WANDB_BASE_URL: "https://forge.coreweave.com/api/wandb",
      }
    ),
  },
  {
    name: "empty WANDB_BASE_URL",
    expected: "error",
    setup: () => ({ WANDB_BASE_URL: "", WANDB_API_KEY: KEY }),
  },
  {
    name: "WANDB_BASE_URL app host",
    expected: "error",
    setup: () => ({ WANDB_BASE_URL: "https://wandb.ai" }),
  },
  {
    name: "global settings base_url",
    expected: "found",
    setup: ({ home }) => {
      write(
        join(home, ".config", "wandb", "settings"),
        "[default]\nbase_url = https://wandb.corp.example:8443\n",
      );
      write(join(home, ".netrc"), netrcBlock("wandb.corp.example:8443", KEY));
      return {};
    },
  },
  {
    name: "WANDB_CONFIG_DIR settings",
    expected: "found",
    setup: ({ home, root }) => {
      write(join(root, "cfg", "settings"), "[default]\nbase_url: http://10.0.0.5:8080/\n");
      write(join(home, ".netrc"), netrcBlock("10.0.0.5:8080", KEY));
      return { WANDB_CONFIG_DIR: join(root, "cfg") };
    },
  },
  {
    name: "workspace ./wandb/settings beats global",
    expected: "found",
    setup: ({ home, cwd }) => {
      write(join(home, ".config", "wandb", "settings"), "[default]\nbase_url = https://global.example\n");
      write(join(cwd, "wandb", "settings"), "[default]\nmode = offline\nBASE_URL = http://127.0.0.1:9000\n");
      write(join(home, ".netrc"), netrcBlock("global.example", KEY_2) + netrcBlock("127.0.0.1:9000", KEY));
      return {};
    },
  },
  {
    name: "./.wandb/settings beats ./wandb/settings",
    expected: "found",
    setup: ({ home, cwd }) => {
      write(join(cwd, "wandb", "settings"), "[default]\nbase_url = https://plain.example\n");
      write(join(cwd, ".wandb", "settings"), "[default]\nbase_url = https://dot.example\n");
      write(join(home, ".netrc"), netrcBlock("plain.example", KEY_2) + netrcBlock("dot.example", KEY));
      return {};
    },
  },
  {
    name: "WANDB_BASE_URL beats settings",
    expected: "found",
    setup: ({ home, cwd }) => {
      write(join(cwd, "wandb", "settings"), "[default]\nbase_url = https://file.example\n");
      write(join(home, ".netrc"), netrcBlock("file.example", KEY_2) + netrcBlock("env.example", KEY));
      return { WANDB_BASE_URL: "https://env.example" };
    },
  },
  {
    name: "invalid settings base_url is ignored",
    expected: "found",
    setup: ({ home }) => {
      write(join(home, ".config", "wandb", "settings"), "[default]\nbase_url = ftp://files.example\n");
      write(join(home, ".netrc"), netrcBlock("api.wandb.ai", KEY));
      return {};
    },
  },
  {
    name: "settings api_key fallback",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".config", "wandb", "settings"), `[default]\napi_key = ${KEY}\n`),
      {}
    ),
  },
  {
    name: "settings api_key overridden by empty WANDB_API_KEY",
    expected: "missing",
    setup: ({ home }) => (
      write(join(home, ".config", "wandb", "settings"), `[default]\napi_key = ${KEY}\n`),
      {
        WANDB_API_KEY: "",
      }
    ),
  },
  {
    name: "settings with a bad % interpolation",
    expected: "error",
    setup: ({ cwd }) => (
      write(join(cwd, "wandb", "settings"), "[default]\nbase_url = https://x.example/%zz\n"),
      {}
    ),
  },
  {
    name: "settings [DEFAULT] section and %% escapes",
    expected: "found",
    setup: ({ home }) => {
      const settings =
        "[DEFAULT]\nbase_url = https://d.example/a%%20b\n\n[default]\n; comment\nmode = online\n";
      write(join(home, ".config", "wandb", "settings"), settings);
      write(join(home, ".netrc"), netrcBlock("d.example", KEY));
      return {};
    },
  },
  {
    name: "settings %(name)s interpolation",
    expected: "found",
    setup: ({ home }) => {
      write(
        join(home, ".config", "wandb", "settings"),
        "[default]\nhost = ref.example\nbase_url = https://%(host)s:8080\n",
      );
      write(join(home, ".netrc"), netrcBlock("ref.example:8080", KEY));
      return {};
    },
  },
  {
    name: "settings continuation line puts a newline in base_url",
    expected: "missing",
    setup: ({ home }) => {
      write(join(home, ".config", "wandb", "settings"), "[default]\nbase_url =\n  https://cont.example\n");
      write(join(home, ".netrc"), netrcBlock("cont.example", KEY));
      return {};
    },
  },
  {
    name: "settings file without a section header",
    expected: "found",
    setup: ({ home, cwd }) => {
      write(join(cwd, "wandb", "settings"), "base_url = https://nosection.example\n");
      write(join(home, ".netrc"), netrcBlock("api.wandb.ai", KEY));
      return {};
    },
  },
  {
    name: "settings path is a directory",
    expected: "found",
    setup: ({ home, cwd }) => {
      mkdirSync(join(cwd, "wandb", "settings"), { recursive: true });
      write(join(home, ".netrc"), netrcBlock("api.wandb.ai", KEY));
      return { WANDB_CONFIG_DIR: "" };
    },
  },
  {
    name: "empty NETRC means ~/.netrc",
    expected: "found",
    setup: ({ home }) => (write(join(home, ".netrc"), netrcBlock("api.wandb.ai", KEY)), { NETRC: "" }),
  },
  {
    name: "credentials in the URL are part of the machine",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("u:p@cred.example", KEY)),
      {
        WANDB_BASE_URL: "https://u:p@cred.example/",
      }
    ),
  },
  {
    name: "identity token with empty WANDB_API_KEY",
    expected: "found",
    setup: ({ root }) => ({ WANDB_API_KEY: "", WANDB_IDENTITY_TOKEN_FILE: join(root, "token.jwt") }),
  },
  {
    name: "entry without a password field",
    expected: "missing",
    setup: ({ home }) => (write(join(home, ".netrc"), "machine api.forge.coreweave.com login user\n"), {}),
  },
  {
    name: "invalid key shape in netrc",
    expected: "error",
    setup: ({ home }) => (write(join(home, ".netrc"), netrcBlock("api.wandb.ai", "local-tooshort")), {}),
  },
  {
    name: "legacy 40-hex key in netrc",
    expected: "found",
    setup: ({ home }) => (write(join(home, ".netrc"), netrcBlock("api.wandb.ai", KEY)), {}),
  },
  {
    name: "local- on-prem key",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("wandb.local:8080", LOCAL_KEY)),
      {
        WANDB_BASE_URL: "http://wandb.local:8080",
      }
    ),
  },
  {
    name: "last duplicate machine wins",
    expected: "found",
    setup: ({ home }) => (
      write(join(home, ".netrc"), netrcBlock("api.wandb.ai", KEY_2) + netrcBlock("api.wandb.ai", KEY)),
      {}
    ),
  },
  {
    name: "entry with empty password",
    expected: "missing",
    setup: ({ home }) => (
      write(join(home, ".netrc"), 'machine api.forge.coreweave.com login user password ""\n'),
      {}
    ),
  },
  {
    name: "malformed netrc",
    expected: "missing",
    setup: ({ home }) => (write(join(home, ".netrc"), `${netrcBlock("api.wandb.ai", KEY)}  port 443\n`), {}),
  },
  {
    name: "top-level #word comment quirk",
    expected: "missing",
    setup: ({ home }) => (write(join(home, ".netrc"), `#wandb key\n${netrcBlock("api.wandb.ai", KEY)}`), {}),
  },
  {
    name: "CRLF netrc with comments and macdef",
    expected: "found",
    setup: ({ home }) => (
      write(
        join(home, ".netrc"),
        `# keys\r\nmacdef init\r\ncd /\r\n\r\n${netrcBlock("api.wandb.ai", KEY).replaceAll("\n", "\r\n")}`,
      ),
      {}
    ),
  },
  {
    name: "unreadable netrc (a directory)",
    expected: "missing",
    setup: ({ home }) => (mkdirSync(join(home, ".netrc")), {}),
  },
  {
    name: "netrc that is not UTF-8",
    expected: "error",
    setup: ({ home }) => (
      write(join(home, ".netrc"), Buffer.from(`# caf\xe9\n${netrcBlock("api.wandb.ai", KEY)}`, "latin1")),
      {}
    ),
  },
];

const URLS = [
  "https://api.wandb.ai",
  "https://api.wandb.ai/",
  "http://api.wandb.ai",
  "https://wandb.ai",
  "https://app.wandb.ai/",
  "https://API.WANDB.AI",
  "http://localhost:8080/",
  "HTTP://LocalHost:8080//",
  "https://example.com/wandb/",
  "https://user:pw@example.com",
  "http://us@er@example.com",
  "ftp://example.com",
  "example.com",
  "http:/example.com",
  "http:///example.com",
  "https:example.com",
  "http://",
  " https://example.com",
  "https://example.com ",
  "https://exa mple.com",
  "https://example.com/a b",
  "https://example.com/a|b",
  "https://example.com\\x",
  "https://example.com/%zz",
  "https://example.com/%41",
  "https://example.com/#a#b",
  "https://example.com:99999",
  "http://[::1]:8080/",
  "http://1.2.3.256",
  "http://☃.example/",
  "https://forge.coreweave.com/api/wandb",
  "https://forge.coreweave.com:/api/wandb/",
  "https://forge.coreweave.com",
  "http://forge.coreweave.com/api/wandb",
  "https://forge.coreweave.com:443/api/wandb",
  "https://qa.forge.coreweave.com/api/wandb",
  "https://api.forge.coreweave.com",
  "https://api.forge.coreweave.com/",
  "https://API.forge.coreweave.com",
  "https://wandb.ai.example.com",
  "http://my-wandb.ai:8080",
  "http://api.my-wandb.ai:8080",
  "https://example.com?x=1",
  "https://example.com/#frag",
  "https://example.com/a%2Fb/",
  "http://host:0",
  "https://xn--nxasmq6b.example",
  "https://example.com/ü",
  "http://a_b.example",
];

const NETRCS = [
  "machine a login u password p\n",
  'machine "a b" login "u \\" x" password p\\ q\n',
  'machine a password "x y"z\n',
  "machine a password b\n\n# x y\n",
  "machine a password b\n# x y\n",
  "machine a password b # trailing comment\nmachine c password d\n",
  "#foo bar\nmachine a password b\n",
  "# foo bar\nmachine a password b\n",
  "#\nmachine a password b\n",
  "machine a login machine b\n",
  'machine a password ""\nmachine b password c\n',
  '""\nmachine b password c\n',
  "macdef init\ncd /\nls\n\nmachine a password b\n",
  "macdef init \ncd /\n\nmachine a password b\n",
  "macdef init\ncd /\n",
  "machine a user u account x password p\n",
  "machine\n",
  "default login u password p\nmachine a password q\n",
  "machine default password p\n",
  "machine a password p\r\nmachine b password q\r\n",
  "machine a\rpassword p\r",
  "\ufeffmachine a password p\n",
  "machine a password p\\",
  'machine a password "unterminated',
  "machine a\tlogin\tu\tpassword\tp",
  "machine a password one\nmachine a password two\n",
  "machine ü password ß\n",
  "machine a login",
  "machine a bogus b\n",
  "\n# my keys\nmachine a password p\n",
  "\n\nfoo\n",
  "macdef init \ncd /\n\n",
  "macdef init \n\nmachine a password p\n",
  "machine a\n  # old: x y\n  password p # new\n",
  "#keys\nmachine a password p\n",
  "machine a password p\n#\n#x\n",
  'machine a password "p"q\n',
  "macdef\n",
  "default\n",
  "machine a password p\n\n\nmachine b password q\n",
];

interface OracleSetupResult {
  readonly name: string;
  readonly status: "found" | "missing" | "error" | "oracle-crash";
  readonly kind?: "api-key" | "identity-token";
  readonly key?: string;
  readonly token_file?: string;
  readonly base_url: string | null;
  readonly error_type?: string;
  readonly warnings: readonly string[];
}

interface OracleOutput {
  readonly version: string;
  readonly setups: readonly OracleSetupResult[];
  readonly urls: readonly { url: string; ok: boolean; base_url?: string; netloc?: string }[];
  readonly netrcs: readonly { ok: boolean; hosts?: [string, string[]][]; macros?: [string, string[]][] }[];
}

const NETRC_WARNING = /^Failed to read netrc file|with no API key/;
const SETTINGS_WARNING = /Error reading settings|validation error|Traceback/;

/** What both sides must agree on, with the key reduced to "which one" so that nothing printable carries it. */
function ourView(d: WandbKeyDetection): Record<string, unknown> {
  return {
    status: d.status === "invalid" ? "error" : d.status,
    kind: d.status === "found" ? d.kind : undefined,
    tokenFile: d.status === "found" && d.kind === "identity-token" ? d.tokenFile : undefined,
    netrcWarning: d.warnings.some(
      (w) => w.startsWith("failed to read netrc") || w.includes("has no password"),
    ),
    settingsWarning: d.warnings.some((w) => w.startsWith("ignoring the W&B settings file")),
  };
}

function sdkView(r: OracleSetupResult): Record<string, unknown> {
  return {
    status: r.status,
    kind: r.kind,
    tokenFile: r.token_file,
    netrcWarning: r.warnings.some((w) => NETRC_WARNING.test(w)),
    settingsWarning: r.warnings.some((w) => SETTINGS_WARNING.test(w)),
  };
}

describeWithEngine("wandb SDK oracle", wandbPython(), (python) => {
  let root = "";
  let oracle: OracleOutput;
  const prepared = new Map<string, { env: Record<string, string>; home: string; cwd: string }>();

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "slipway-wandb-oracle-"));
    SETUPS.forEach((setup, index) => {
      const base = join(root, String(index));
      const dirs = { home: join(base, "home"), cwd: join(base, "work"), root: base };
      mkdirSync(dirs.home, { recursive: true });
      mkdirSync(dirs.cwd, { recursive: true });
      prepared.set(setup.name, {
        env: { HOME: dirs.home, ...setup.setup(dirs) },
        home: dirs.home,
        cwd: dirs.cwd,
      });
    });
    const request = join(root, "request.json");
    const setups = SETUPS.map(({ name }) => ({ name, ...prepared.get(name) }));
    writeFileSync(request, JSON.stringify({ setups, urls: URLS, netrcs: NETRCS }));
    const run = spawnSync(python, [ORACLE_SCRIPT, request], {
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", HOME: root },
      timeout: 100_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0) throw new Error(`oracle failed (exit ${run.status}): ${run.stderr.slice(-2000)}`);
    try {
      oracle = JSON.parse(run.stdout) as OracleOutput;
    } catch {
      // JSON.parse quotes the text it fails on, and this text holds keys.
      throw new Error(`oracle printed ${run.stdout.length} characters that are not JSON`);
    }
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("has at least 14 setups and runs wandb 0.31", () => {
    expect(SETUPS.length).toBeGreaterThanOrEqual(14);
    expect(oracle.version).toBe("0.31.0");
  });

  it.each(SETUPS)("$name: slipway and the SDK agree", ({ name, expected }) => {
    const sdk = oracle.setups.find((r) => r.name === name);
    const input = prepared.get(name);
    if (!sdk || !input) throw new Error(`no oracle result for ${name}`);
    const ours = detectWandbKey({ env: input.env, homeDir: input.home, cwd: input.cwd });

    expect(sdk.status, `${name}: SDK status`).toBe(expected);
    expect(ourView(ours), `${name}: slipway vs SDK`).toEqual(sdkView(sdk));
    if (sdk.base_url !== null) expect(ours.baseUrl, `${name}: base URL`).toBe(sdk.base_url);
    if (ours.status === "found" && ours.kind === "api-key") {
      expect(ours.key.reveal() === sdk.key, `${name}: the keys differ`).toBe(true);
    }
    const messages = [ours.status === "found" ? "" : ours.reason, ...ours.warnings].join("\n");
    const leaked = [KEY, KEY_2, KEY_86, LOCAL_KEY, JWT].some((key) => messages.includes(key));
    expect(leaked, `${name}: a message contains a key`).toBe(false);
  });

  it("validates and normalises base URLs like wandb.Settings", () => {
    const ours = URLS.map((url) => {
      const result = normalizeWandbBaseUrl(url);
      return result.ok
        ? { url, ok: true, base_url: result.url, netloc: urlsplit(result.url).netloc }
        : { url, ok: false };
    });
    const sdk = oracle.urls.map(({ url, ok, base_url, netloc }) =>
      ok ? { url, ok, base_url, netloc } : { url, ok },
    );
    expect(ours).toEqual(sdk);
  });

  it("parses netrc text like CPython's netrc module", () => {
    const ours = NETRCS.map((text) => {
      try {
        const file = parseNetrc(text);
        const hosts = [...file.hosts].map(([name, e]) => [name, [e.login, e.account, e.password.reveal()]]);
        return { text, ok: true, hosts, macros: [...file.macros] };
      } catch {
        return { text, ok: false };
      }
    });
    expect(ours).toEqual(oracle.netrcs.map((result, i) => ({ text: NETRCS[i], ...result })));
  });
});
