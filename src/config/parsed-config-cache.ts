import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { shortHash } from "../store/short-hash.ts";
import type { LoadedConfig, LoadedProfile } from "./loaded-config.ts";

/** The id of this build of the bundled CLI (scripts/build-cli.ts defines it); undefined when run from the sources. */
declare const SLIPWAY_BUILD_ID: string | undefined;

/**
 * The build whose parses may be reused: the bundled CLI's id, else none (the sources, the library), so a schema
 * edited during development is never judged by an old verdict.
 */
const BUILD = typeof SLIPWAY_BUILD_ID === "string" ? SLIPWAY_BUILD_ID : undefined;

/** What {@link cachedParse} keeps per config file: the exact text it validated, and what that gave. */
interface Entry {
  readonly build: string;
  readonly file: string;
  readonly text: string;
  readonly wandb: LoadedConfig["wandb"];
  readonly profiles: readonly (readonly [
    string,
    Omit<LoadedProfile, "extends"> & { extends: string | null },
  ])[];
}

/**
 * `parse(text, file)`, reused from `dir` when this same build of the CLI parsed this same text of this same file
 * before: parsing is a pure function of the text, and validating it builds zod schemas, the largest part of a dry
 * run's start-up. One entry per config file (0600, in a 0700 directory: it holds the file's text, which may hold
 * secrets), replaced when the text changes. Only valid configs are kept; an error is found again every time. Any
 * problem reading or writing an entry is a miss, never an error.
 *
 * @example
 * ```ts
 * const config = cachedParse(text, "/repo/env.toml", join(store.root, "cache"), parseConfig);
 * ```
 */
export function cachedParse(
  text: string,
  file: string,
  dir: string | undefined,
  parse: (text: string, file: string) => LoadedConfig,
): LoadedConfig {
  if (BUILD === undefined || dir === undefined) return parse(text, file);
  const path = join(dir, `config-${shortHash(file)}.json`);
  const hit = read(path, BUILD, file, text);
  if (hit !== undefined) return hit;
  const config = parse(text, file);
  write(path, { build: BUILD, file, text, ...toEntry(config) });
  return config;
}

function read(path: string, build: string, file: string, text: string): LoadedConfig | undefined {
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(path, "utf8")) as Entry;
  } catch {
    return undefined;
  }
  if (entry.build !== build || entry.file !== file || entry.text !== text) return undefined;
  const profiles = new Map<string, LoadedProfile>();
  for (const [name, profile] of entry.profiles) {
    profiles.set(name, { ...profile, extends: profile.extends ?? undefined });
  }
  return { file, wandb: entry.wandb, profiles };
}

function toEntry(config: LoadedConfig): Pick<Entry, "wandb" | "profiles"> {
  return {
    wandb: config.wandb,
    profiles: [...config.profiles].map(([name, profile]) => [
      name,
      { ...profile, extends: profile.extends ?? null },
    ]),
  };
}

function write(path: string, entry: Entry): void {
  // Kept only if JSON gives back exactly what was parsed: plain objects, arrays, strings, finite numbers, booleans.
  if (!isPlainJson(entry)) return;
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, JSON.stringify(entry), { mode: 0o600 });
    renameSync(temporary, path);
  } catch {
    // Parsed again next time.
  }
}

function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.entries(value).every(([key, v]) => key !== "__proto__" && isPlainJson(v));
}
