import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse, TomlError } from "smol-toml";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import { findConfigFile, missingConfigFile } from "./find-config-file.ts";
import type { EnvSource } from "./interpolate.ts";
import { commonProfileSchema, missingRequired, otherExecutorsHint } from "./profile-schemas.ts";
import { PROFILE_SCHEMAS, type RawProfile } from "./profile-schemas.ts";
import { checkTable, closestMatch, compareText, formatPath, isOneOf, isTable, sortIssues } from "./schema.ts";
import { tomlType, wandbSchema, type RawWandb } from "./schema.ts";
import { EXECUTOR_KINDS, type ExecutorKind } from "./types.ts";

/** Inputs of {@link loadConfig}; everything it touches is passed in. */
export interface LoadConfigOptions {
  /** Directory the search for env.toml starts from. */
  readonly cwd: string;
  /** Environment holding `SLIPWAY_CONFIG` (`${env:…}` is resolved later, by `resolveProfile`). */
  readonly env: EnvSource;
  /** An explicit config file (`--config`). */
  readonly configPath?: string | undefined;
  /** Reads a file as UTF-8; injectable for tests. */
  readonly readFile?: ((path: string) => string) | undefined;
}

/** One profile after validation (`${env:…}` not yet resolved; `resolveProfile` merges the chain). */
export interface LoadedProfile {
  readonly name: string;
  /** The executor, set here or inherited through `extends`. */
  readonly executor: ExecutorKind;
  readonly extends: string | undefined;
  /** This profile, then its parent, up to the root of the `extends` chain. */
  readonly chain: readonly string[];
  /** Keys written in this profile's own table, minus `executor` and `extends`. */
  readonly values: RawProfile;
}

/**
 * A validated env.toml: the raw `[wandb]` section and every profile, ready for `resolveProfile` / `resolveWandb`.
 *
 * @example
 * ```ts
 * const config: LoadedConfig = loadConfig({ cwd, env: process.env });
 * for (const [name, profile] of config.profiles) console.log(name, profile.executor, profile.chain.join(" → "));
 * ```
 */
export interface LoadedConfig {
  /** Absolute path of the file. */
  readonly file: string;
  /** The `[wandb]` section (empty when absent). */
  readonly wandb: RawWandb;
  /** Every profile, in file order. */
  readonly profiles: ReadonlyMap<string, LoadedProfile>;
}

/**
 * Finds, reads, parses and validates env.toml (see `findConfigFile` for the search). Every problem is reported at
 * once; `${env:…}` references are only checked for syntax here, and resolved by `resolveProfile`.
 *
 * @throws ConfigError `CONFIG_NOT_FOUND`, `CONFIG_READ`, `CONFIG_SYNTAX` (with line and column) or `CONFIG_SCHEMA`
 * (with every issue, sorted by path).
 * @example
 * ```ts
 * const config = loadConfig({ cwd: process.cwd(), env: process.env, configPath: opts.config });
 * const profile = resolveProfile(config, "gpu0", process.env);
 * ```
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const { path, source } = findConfigFile(options);
  const read = options.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ENOENT" && source !== "search") throw missingConfigFile(path, source);
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError("CONFIG_READ", `${path}: cannot read the config file: ${reason}`, {
      file: path,
      cause: error,
    });
  }
  return parseConfig(text, path);
}

/**
 * Parses and validates the text of an env.toml; `file` names it in messages. {@link loadConfig} without the disk.
 *
 * @example
 * ```ts
 * const config = parseConfig('[local]\nexecutor = "local"\n', "/repo/env.toml");
 * ```
 */
export function parseConfig(text: string, file: string): LoadedConfig {
  let doc: Record<string, unknown>;
  try {
    // A BOM is legal in UTF-8 files written by some editors but not in TOML.
    doc = parse(text.replace(/^\uFEFF/, ""), { unsafeKeyBehaviour: "throw" });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.replace(/^Invalid TOML document: /, "").split("\n")[0] ?? "";
    const hint = reason.includes("unsafe property")
      ? "keys named __proto__ or constructor are not allowed"
      : undefined;
    const message = `${file}:${error.line}:${error.column}: ${reason}\n${error.codeblock.trimEnd()}`;
    const { line, column } = error;
    throw new ConfigError("CONFIG_SYNTAX", message, { file, line, column, hint, cause: error });
  }

  const issues: ConfigIssue[] = [];
  const tables = new Map<string, Record<string, unknown>>();
  let wandb: RawWandb = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!isTable(value)) {
      const expected = key === "wandb" ? "table" : "a profile table";
      issues.push({ path: formatPath([key]), message: `expected ${expected}, got ${tomlType(value)}` });
    } else if (key === "wandb") {
      const checked = checkTable(wandbSchema, value, ["wandb"]);
      issues.push(...checked.issues);
      wandb = checked.data ?? {};
    } else tables.set(key, value);
  }

  const profiles = checkProfiles(tables, issues);
  if (issues.length > 0) {
    const sorted = sortIssues(issues);
    const count = `${sorted.length} problem${sorted.length === 1 ? "" : "s"} in ${basename(file)}`;
    const lines = sorted.map((i) => `  ${i.path}: ${i.message}`);
    throw new ConfigError("CONFIG_SCHEMA", [`${file}: ${count}`, ...lines].join("\n"), {
      file,
      issues: sorted,
    });
  }
  return { file, wandb, profiles };
}

/** What a profile's own `executor` and `extends` say; `invalid` and `broken` were reported already. */
interface Link {
  readonly own: ExecutorKind | "invalid" | undefined;
  readonly parent: string | undefined;
  readonly broken: boolean;
}

// Validates executors, `extends` chains and each table against its executor's schema, pushing every issue; the
// profiles returned are complete only when no issue was pushed.
function checkProfiles(tables: ReadonlyMap<string, Record<string, unknown>>, issues: ConfigIssue[]) {
  const names = [...tables.keys()].sort(compareText);
  const links = new Map<string, Link>();
  for (const [name, table] of tables)
    links.set(
      name,
      readLink(name, table, (n) => tables.has(n), names, issues),
    );
  const ownOf = (n: string | undefined) => (n === undefined ? undefined : links.get(n)?.own);

  const profiles = new Map<string, LoadedProfile>();
  for (const [name, table] of tables) {
    const { chain, sound } = followChain(name, links, issues);
    const own = ownOf(name);
    const setter = chain.slice(1).find((n) => ownOf(n) !== undefined);
    const inherited = ownOf(setter);
    const kind = own === "invalid" ? undefined : (own ?? (inherited === "invalid" ? undefined : inherited));
    const at = formatPath([name, "executor"]);
    if (sound && own !== undefined && own !== "invalid" && inherited !== undefined && inherited !== own) {
      const message = `executor "${own}" does not match "${inherited}" inherited from "${setter ?? ""}"`;
      issues.push({ path: at, message: `${message} (a profile cannot switch executor)` });
    } else if (sound && kind === undefined) {
      const message = `required: one of ${EXECUTOR_KINDS.join(", ")} (or "extends" a profile that sets it)`;
      issues.push({ path: at, message });
    }

    const rest = Object.fromEntries(
      Object.entries(table).filter(([k]) => k !== "executor" && k !== "extends"),
    );
    const hint = (key: string) => (kind === undefined ? undefined : otherExecutorsHint(kind, key));
    const schema = kind === undefined ? commonProfileSchema : PROFILE_SCHEMAS[kind];
    const { data, issues: found } = checkTable(schema, rest, [name], hint);
    issues.push(...found);
    if (kind === undefined || !sound) continue;

    // Presence is all that matters for required keys, so a plain child-wins merge is enough here.
    const merged = Object.assign({}, ...chain.map((n) => tables.get(n)).reverse()) as Record<string, unknown>;
    for (const { key, message } of missingRequired(kind, merged)) {
      issues.push({ path: formatPath([name, key]), message });
    }
    const parent = links.get(name)?.parent;
    if (data !== undefined)
      profiles.set(name, { name, executor: kind, extends: parent, chain, values: data });
  }
  return profiles;
}

// Follows `extends` from `name`; `sound` is false when the chain is broken (reported by `readLink`) or loops.
function followChain(name: string, links: ReadonlyMap<string, Link>, issues: ConfigIssue[]) {
  const chain = [name];
  for (let link = links.get(name); link !== undefined;) {
    if (link.broken || link.own === "invalid") return { chain, sound: false };
    if (link.parent === undefined) return { chain, sound: true };
    const seen = chain.indexOf(link.parent);
    if (seen !== -1) {
      // Rotated to start at its smallest name, so every profile on the loop reports the same issue (deduplicated).
      const loop = chain.slice(seen);
      const start = loop.indexOf([...loop].sort(compareText)[0] ?? name);
      const ordered = [...loop.slice(start), ...loop.slice(0, start)];
      const first = ordered[0] ?? name;
      issues.push({
        path: formatPath([first, "extends"]),
        message: `extends cycle: ${[...ordered, first].join(" → ")}`,
      });
      return { chain, sound: false };
    }
    chain.push(link.parent);
    link = links.get(link.parent);
  }
  return { chain, sound: true };
}

function readLink(
  name: string,
  table: Readonly<Record<string, unknown>>,
  isProfile: (name: string) => boolean,
  names: readonly string[],
  issues: ConfigIssue[],
): Link {
  const executor = table["executor"];
  let own: Link["own"];
  if (isOneOf(EXECUTOR_KINDS, executor)) own = executor;
  else if (executor !== undefined) {
    own = "invalid";
    const kinds = EXECUTOR_KINDS.join(", ");
    const message =
      typeof executor === "string"
        ? `unknown executor ${JSON.stringify(executor)} (expected one of ${kinds}${suggest(executor, EXECUTOR_KINDS)})`
        : `expected one of ${kinds}, got ${tomlType(executor)}`;
    issues.push({ path: formatPath([name, "executor"]), message });
  }

  const parent = table["extends"];
  const at = formatPath([name, "extends"]);
  if (parent === undefined) return { own, parent: undefined, broken: false };
  if (typeof parent !== "string") {
    issues.push({ path: at, message: `expected a profile name, got ${tomlType(parent)}` });
    return { own, parent: undefined, broken: true };
  }
  if (!isProfile(parent)) {
    const list = names.length === 0 ? "no profiles" : `profiles: ${names.join(", ")}`;
    const message = `extends ${JSON.stringify(parent)}, which is not a profile (${list}${suggest(parent, names)})`;
    issues.push({ path: at, message });
    return { own, parent: undefined, broken: true };
  }
  return { own, parent, broken: false };
}

function suggest(input: unknown, candidates: readonly string[]): string {
  const near = typeof input === "string" ? closestMatch(input, candidates) : undefined;
  return near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`;
}
