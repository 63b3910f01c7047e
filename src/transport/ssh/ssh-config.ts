import { join } from "node:path";
import { ConfigError } from "../../errors.ts";
import { expandTilde, includedFiles } from "./ssh-config-include.ts";
import { hostPatternsMatch } from "./host-patterns.ts";
import type { SshConfigIo, SshConfigText } from "./ssh-config-io.ts";
import { splitSshConfigLine } from "./ssh-config-line.ts";

/** Options of {@link resolveSshHost}: the I/O, and values given explicitly, which win over every config file. */
export interface ResolveSshHostOptions extends SshConfigIo {
  readonly user?: string | undefined;
  readonly port?: number | undefined;
}

/** The settings `ssh <alias>` would use, every default filled in and every path expanded. */
export interface SshHostConfig {
  readonly hostName: string;
  readonly user: string;
  readonly port: number;
  /** `IdentityFile`s of every matching block, in order, without duplicates; `[]` when none is configured. */
  readonly identityFiles: readonly string[];
  /** `ProxyJump`'s `[user@]host[:port]` list as written; `undefined` when unset, `none`, or `ProxyCommand` came first. */
  readonly proxyJump: string | undefined;
  /** `ProxyCommand` when set (and not `none`) before any `ProxyJump`; slipway cannot run one. */
  readonly proxyCommand: string | undefined;
  /** Default `~/.ssh/known_hosts`, `~/.ssh/known_hosts2`; the first is where new host keys go. */
  readonly userKnownHostsFiles: readonly string[];
  /** Default `/etc/ssh/ssh_known_hosts`, `/etc/ssh/ssh_known_hosts2`. */
  readonly globalKnownHostsFiles: readonly string[];
  /** Seconds; `undefined` when unset or `none`. */
  readonly connectTimeout: number | undefined;
  /** Seconds; `undefined` when unset (0 disables keepalives). */
  readonly serverAliveInterval: number | undefined;
}

interface Setting {
  readonly args: readonly string[];
  readonly file: string;
  readonly line: number;
}

interface Collected {
  /** First value of each keyword (OpenSSH: the first obtained value wins); ProxyJump and ProxyCommand share `proxy`. */
  readonly first: Map<string, Setting & { readonly keyword: string }>;
  readonly identityFiles: Setting[];
}

/** The keywords kept (lower-cased, as looked up) with their spelling in messages; others are ignored. */
const KEPT = new Map(
  [
    "HostName",
    "User",
    "Port",
    "ProxyJump",
    "ProxyCommand",
    "UserKnownHostsFile",
    "GlobalKnownHostsFile",
    "ConnectTimeout",
    "ServerAliveInterval",
  ].map((name) => [name.toLowerCase(), name]),
);
const MAX_INCLUDE_DEPTH = 16;

/**
 * Resolves `alias` through OpenSSH client config files the way `ssh alias` does, for the keywords slipway uses:
 * HostName, User, Port, IdentityFile, ProxyJump (and ProxyCommand, which competes with it), UserKnownHostsFile,
 * GlobalKnownHostsFile, ConnectTimeout, ServerAliveInterval. Keywords are case-insensitive; the first obtained value
 * wins, except IdentityFile which accumulates; `Host` lines match the alias as given, with `*`, `?` and `!negation`;
 * `Include` reads other files (relative to `~/.ssh`, `*`/`?` globs, 16 levels at most). Known limits: `Match` blocks
 * never match (their conditions would need the network, the shell or a second pass); other keywords are ignored;
 * `${VAR}` is not expanded. `~` and `%h %p %r %u %d %n %%` are expanded in IdentityFile and the known_hosts files,
 * `%h` in HostName; another `%` token is a `CONFIG_SYNTAX` error, as are bad numbers.
 *
 * @example
 * ```ts
 * const text = "Host login\n  HostName login1.hpc.example.org\n  User alice\n  IdentityFile ~/.ssh/hpc_%r\n";
 * const io = { homeDir: "/home/alice", localUser: "alice", readFile: () => undefined, listDir: () => [] };
 * resolveSshHost("login", [{ path: "/home/alice/.ssh/config", text }], io);
 * // { hostName: "login1.hpc.example.org", user: "alice", port: 22, identityFiles: ["/home/alice/.ssh/hpc_alice"], … }
 * ```
 */
export function resolveSshHost(
  alias: string,
  configs: readonly SshConfigText[],
  options: ResolveSshHostOptions,
): SshHostConfig {
  const collected: Collected = { first: new Map(), identityFiles: [] };
  for (const config of configs) readConfig(config, alias, options, collected, 0);
  const value = (keyword: string): string | undefined => collected.first.get(keyword)?.args[0];

  const hostNameSetting = collected.first.get("hostname");
  const hostName =
    hostNameSetting === undefined
      ? alias.toLowerCase()
      : expandTokens(hostNameSetting, 0, { h: alias.toLowerCase(), "%": "%" }, (text) => text);
  const user = options.user ?? value("user") ?? options.localUser;
  const port = options.port ?? numberSetting(collected, "port", 1, 65_535) ?? 22;
  const tokens = {
    h: hostName,
    p: String(port),
    r: user,
    u: options.localUser,
    d: options.homeDir,
    n: alias,
    "%": "%",
  };
  const path = (setting: Setting, index: number) =>
    expandTokens(setting, index, tokens, (text) => expandTilde(text, options.homeDir));
  const paths = (keyword: string, defaults: readonly string[]): string[] => {
    const setting = collected.first.get(keyword);
    // "none" names no file (OpenSSH then finds no key there, and records none).
    if (setting === undefined) return [...defaults];
    return setting.args.flatMap((arg, i) => (arg === "none" ? [] : [path(setting, i)]));
  };
  const proxy = collected.first.get("proxy");
  const proxyValue = proxy?.keyword === "proxycommand" ? proxy.args.join(" ") : proxy?.args[0];
  const connectTimeout =
    value("connecttimeout") === "none" ? undefined : numberSetting(collected, "connecttimeout");
  return {
    hostName,
    user,
    port,
    identityFiles: [...new Set(collected.identityFiles.map((setting) => path(setting, 0)))],
    proxyJump: proxy?.keyword === "proxyjump" && proxyValue !== "none" ? proxyValue : undefined,
    proxyCommand: proxy?.keyword === "proxycommand" && proxyValue !== "none" ? proxyValue : undefined,
    userKnownHostsFiles: paths("userknownhostsfile", [
      join(options.homeDir, ".ssh", "known_hosts"),
      join(options.homeDir, ".ssh", "known_hosts2"),
    ]),
    globalKnownHostsFiles: paths("globalknownhostsfile", [
      "/etc/ssh/ssh_known_hosts",
      "/etc/ssh/ssh_known_hosts2",
    ]),
    connectTimeout,
    serverAliveInterval: numberSetting(collected, "serveraliveinterval"),
  };
}

function readConfig(
  config: SshConfigText,
  alias: string,
  io: SshConfigIo,
  collected: Collected,
  depth: number,
): void {
  // Lines before the first Host or Match apply to every host.
  let active = true;
  config.text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const parsed = splitSshConfigLine(raw, config.path, line);
    if (parsed === undefined) return;
    const { keyword, args } = parsed;
    const setting = { args, file: config.path, line };
    if (keyword === "host") {
      if (args.length === 0) throw syntaxError(setting, "Host needs at least one pattern");
      active = hostPatternsMatch(args, alias);
    } else if (keyword === "match") {
      active = false;
    } else if (!active) {
      return;
    } else if (keyword === "include") {
      if (args.length === 0) throw syntaxError(setting, "Include needs a file name");
      if (depth + 1 >= MAX_INCLUDE_DEPTH) throw syntaxError(setting, "Include nesting too deep");
      for (const pattern of args) {
        for (const path of includedFiles(pattern, io)) {
          const text = io.readFile(path);
          if (text !== undefined) readConfig({ path, text }, alias, io, collected, depth + 1);
        }
      }
    } else if (keyword === "identityfile") {
      needOne(setting, "IdentityFile");
      collected.identityFiles.push(setting);
    } else if (KEPT.has(keyword)) {
      const many = keyword.endsWith("knownhostsfile") || keyword === "proxycommand";
      if (many ? args.length === 0 : args.length !== 1) {
        throw syntaxError(
          setting,
          `${KEPT.get(keyword) ?? keyword} needs ${many ? "a value" : "exactly one value"}`,
        );
      }
      const slot = keyword === "proxyjump" || keyword === "proxycommand" ? "proxy" : keyword;
      if (!collected.first.has(slot)) collected.first.set(slot, { ...setting, keyword });
    }
  });
}

/** `~` first (through `before`), then `%` tokens, as OpenSSH; an unknown token is an error quoting the value. */
function expandTokens(
  setting: Setting,
  index: number,
  tokens: Readonly<Record<string, string>>,
  before: (text: string) => string,
): string {
  const text = setting.args[index] ?? "";
  return before(text).replace(/%(.?)/g, (whole, key: string) => {
    const value = tokens[key];
    if (value === undefined) {
      throw syntaxError(setting, `unsupported token ${JSON.stringify(whole)} in ${JSON.stringify(text)}`);
    }
    return value;
  });
}

function numberSetting(
  collected: Collected,
  keyword: string,
  min = 0,
  max = 2 ** 31 - 1,
): number | undefined {
  const setting = collected.first.get(keyword);
  const text = setting?.args[0];
  if (setting === undefined || text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    const name = KEPT.get(keyword) ?? keyword;
    throw syntaxError(setting, `${name} ${JSON.stringify(text)} is not a number from ${min} to ${max}`);
  }
  return value;
}

function needOne(setting: Setting, keyword: string): void {
  if (setting.args.length !== 1) throw syntaxError(setting, `${keyword} needs exactly one value`);
}

function syntaxError(setting: Setting, what: string): ConfigError {
  return new ConfigError("CONFIG_SYNTAX", `${setting.file}:${setting.line}: ${what}`, {
    file: setting.file,
    line: setting.line,
    hint: "fix the line (ssh -G <host> shows how OpenSSH reads the file)",
  });
}
