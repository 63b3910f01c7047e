import { ConfigError, type ConfigIssue } from "../errors.ts";

/**
 * The environment `${env:…}` references are resolved against: the launching process's `process.env`, or a test's
 * stand-in. Passed in explicitly so that resolution never reads the real environment behind the caller's back.
 */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** One `${env:NAME}` without a default whose variable is not set, at a key path inside env.toml. */
export interface UnsetEnvRef {
  /** Key path where the reference is written, as segments, e.g. `["gpu0", "env", "HF_HOME"]`. */
  readonly path: readonly (string | number)[];
  /** The variable's name. */
  readonly name: string;
}

const REF_START = "${env:";
// Sticky, so it only matches where a `${env:` starts. A default may not contain `${`, which keeps nesting
// (`${env:A:-${env:B}}`) out: it would otherwise half-match and leave a stray `}` behind.
const REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-((?:(?!\$\{)[^}])*))?\}/y;

/**
 * Whether a string contains an `${env:…}` reference (well-formed or not). Format checks (sizes, times, URLs, choices)
 * skip such strings at load time and run again once the reference is resolved.
 *
 * @example
 * ```ts
 * hasEnvRef("${env:HOME}/data"); // true
 * hasEnvRef("$HOME/data"); // false
 * ```
 */
export function hasEnvRef(value: string): boolean {
  return value.includes(REF_START);
}

/**
 * Whether any string in `value` (a TOML value: strings, arrays and tables, deeply) contains an `${env:…}` reference.
 *
 * @example
 * ```ts
 * containsEnvRef({ env: { DATA: "${env:HOME}/data" } }); // true
 * ```
 */
export function containsEnvRef(value: unknown): boolean {
  if (typeof value === "string") return hasEnvRef(value);
  if (Array.isArray(value)) return value.some(containsEnvRef);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsEnvRef);
  return false;
}

/**
 * The first malformed `${env:…}` reference in `value`, or `undefined` when every reference is well-formed.
 * Well-formed means `${env:NAME}` or `${env:NAME:-default}` with `NAME` a shell-style variable name and no `${` or
 * `}` inside the default.
 *
 * @example
 * ```ts
 * findMalformedEnvRef("${env:HOME}/x"); // undefined
 * findMalformedEnvRef("${env:HOME/x"); // "${env:HOME/x"
 * ```
 */
export function findMalformedEnvRef(value: string): string | undefined {
  for (let at = value.indexOf(REF_START); at !== -1; at = value.indexOf(REF_START, at + 1)) {
    REF.lastIndex = at;
    if (!REF.test(value)) {
      const close = value.indexOf("}", at);
      return close === -1 ? value.slice(at) : value.slice(at, close + 1);
    }
  }
  return undefined;
}

/**
 * Replaces every `${env:NAME}` and `${env:NAME:-default}` in `value`. Like POSIX `${NAME:-default}`, the default is
 * used when the variable is unset *or empty*; without a default an empty variable gives `""` and an unset one is
 * reported through `onUnset` (and replaced by `""`, so that every unset variable can be reported at once).
 * Substituted text is not scanned again, and there is no escape: a literal `${env:` cannot be written.
 *
 * @example
 * ```ts
 * interpolateString("${env:DATA:-/data}/x", { DATA: "" }, () => {}); // "/data/x"
 * interpolateString("${env:USER}", {}, (name) => missing.push(name)); // "" and missing = ["USER"]
 * ```
 */
export function interpolateString(value: string, env: EnvSource, onUnset: (name: string) => void): string {
  let out = "";
  let from = 0;
  for (let at = value.indexOf(REF_START); at !== -1; at = value.indexOf(REF_START, from)) {
    REF.lastIndex = at;
    const match = REF.exec(value);
    out += value.slice(from, at);
    if (match === null) {
      // Load-time validation rejects malformed references; keep the text rather than guess.
      out += REF_START;
      from = at + REF_START.length;
      continue;
    }
    const name = match[1] ?? "";
    const fallback = match[2];
    // `hasOwn` so that names such as `constructor` never pick up Object.prototype members.
    const set = Object.hasOwn(env, name) ? env[name] : undefined;
    if (fallback !== undefined) out += set === undefined || set === "" ? fallback : set;
    else if (set === undefined) onUnset(name);
    else out += set;
    from = REF.lastIndex;
  }
  return out + value.slice(from);
}

/**
 * Interpolates every string inside a validated env.toml value (strings, arrays, tables), collecting unset variables
 * into `unset` with the key path where each reference is written. Numbers and booleans pass through.
 *
 * @example
 * ```ts
 * const unset: UnsetEnvRef[] = [];
 * interpolateValue({ HF_HOME: "${env:HOME}/hf" }, { HOME: "/h" }, ["gpu0", "env"], unset); // { HF_HOME: "/h/hf" }
 * ```
 */
export function interpolateValue(
  value: unknown,
  env: EnvSource,
  path: readonly (string | number)[],
  unset: UnsetEnvRef[],
): unknown {
  if (typeof value === "string") {
    return interpolateString(value, env, (name) => unset.push({ path, name }));
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown, i) => interpolateValue(item, env, [...path, i], unset));
  }
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = interpolateValue(item, env, [...path, key], unset);
    return out;
  }
  return value;
}

/**
 * The `ENV_UNSET` error for unset variables referenced without a default; `refs` carry already formatted paths.
 * Every unset variable is listed at once, sorted by path.
 *
 * @example
 * ```ts
 * throw unsetEnvError("/repo/env.toml", [{ path: "gpu0.workdir", name: "DATA" }]);
 * // /repo/env.toml: environment variable DATA is not set
 * //   gpu0.workdir: ${env:DATA} is unset and has no default
 * ```
 */
export function unsetEnvError(file: string, refs: readonly { path: string; name: string }[]): ConfigError {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const { path, name } of refs) {
    const message = `\${env:${name}} is unset and has no default`;
    if (seen.has(`${path}\n${message}`)) continue;
    seen.add(`${path}\n${message}`);
    issues.push({ path, message });
  }
  issues.sort((a, b) => compare(a.path, b.path) || compare(a.message, b.message));
  const names = [...new Set(refs.map((r) => r.name))].sort(compare);
  const first =
    names.length === 1
      ? `environment variable ${names.join("")} is not set`
      : `environment variables ${names.join(", ")} are not set`;
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
  return new ConfigError("ENV_UNSET", [`${file}: ${first}`, ...lines].join("\n"), {
    file,
    issues,
    hint: "export the variable before launching, or give a default with ${env:NAME:-value}",
  });
}

// Code-unit order, so that sorting does not depend on the user's locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
