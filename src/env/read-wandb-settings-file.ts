import { type DetectFs, isNotUtf8 } from "./detect-fs.ts";
import { PY_WHITESPACE } from "./py-whitespace.ts";

// configparser strips lines, keys and values of Python's `\s` / `str.strip()` whitespace.
const STRIP = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, "gu");
const RSTRIP = new RegExp(`[${PY_WHITESPACE}]+$`, "u");
const NON_SPACE = new RegExp(`[^${PY_WHITESPACE}]`, "u");
const OPTION = new RegExp(`^([^\\n]*?)[${PY_WHITESPACE}]*([=:])[${PY_WHITESPACE}]*([^\\n]*)$`, "u");
const pyStrip = (text: string): string => text.replace(STRIP, "");

/**
 * The `[default]` section of a W&B settings file read the way the SDK reads it (Python `configparser` defaults:
 * `=`/`:`, `#`/`;` comment lines, indented continuation lines, lowercased keys, `[DEFAULT]` merged in, `%`
 * interpolation). Returns the values; or a warning when the SDK would ignore the file; or `fatal` when the SDK
 * crashes on it (undecodable text, a bad `%`). Messages never quote values: `api_key` may be among them.
 *
 * @example
 * ```ts
 * const read = readWandbSettingsFile(join(homeDir, ".config", "wandb", "settings"), nodeDetectFs);
 * if (read instanceof Map) console.log(read.get("base_url"));
 * ```
 */
export function readWandbSettingsFile(
  path: string,
  fs: DetectFs,
): Map<string, string> | string | { fatal: string } {
  if (!fs.exists(path) || fs.isDirectory(path)) return new Map();
  let text: string;
  try {
    text = fs.readFile(path);
  } catch (error) {
    // configparser skips files it cannot open, but a decoding error escapes and stops the SDK.
    if (isNotUtf8(error)) return { fatal: `the W&B settings file ${path} is not valid UTF-8` };
    return new Map();
  }
  const sections = new Map<string, Map<string, string[]>>([["DEFAULT", new Map()]]);
  let section: Map<string, string[]> | undefined;
  let option: string | undefined;
  let indent = 0;
  let parseError: string | undefined;
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const [index, line] of lines.entries()) {
    const at = `ignoring the W&B settings file ${path}: line ${index + 1}:`;
    const value = pyStrip(line);
    if (value.startsWith("#") || value.startsWith(";")) continue;
    if (value === "") {
      if (section && option !== undefined) section.get(option)?.push("");
      continue;
    }
    const lineIndent = line.search(NON_SPACE);
    if (section && option !== undefined && lineIndent > indent) {
      section.get(option)?.push(value);
      continue;
    }
    indent = lineIndent;
    const header = /^\[([^\n]+)\]/.exec(value);
    if (header) {
      const name = header[1] ?? "";
      if (name !== "DEFAULT" && sections.has(name)) return `${at} the section [${name}] appears twice`;
      section = sections.get(name) ?? new Map<string, string[]>();
      sections.set(name, section);
      option = undefined;
    } else if (!section) {
      return `${at} a setting comes before the first [section] header`;
    } else {
      const match = OPTION.exec(value);
      if (!match) {
        parseError ??= `${at} expected "key = value"`;
        continue;
      }
      const key = (match[1] ?? "").replace(RSTRIP, "").toLowerCase();
      if (key === "") parseError ??= `${at} a setting has no name`;
      if (section.has(key)) return `${at} the setting "${key}" appears twice in one section`;
      section.set(key, [(match[3] ?? "").replace(RSTRIP, "")]);
      option = key;
    }
  }
  if (parseError !== undefined) return parseError;
  const own = sections.get("default");
  if (!own) return new Map();
  const raw = new Map<string, string>();
  for (const [key, parts] of [...(sections.get("DEFAULT") ?? []), ...own]) {
    raw.set(key, parts.join("\n").replace(RSTRIP, ""));
  }
  const values = new Map<string, string>();
  for (const [key, value] of raw) {
    const expanded = interpolate(value, raw, 1);
    if (typeof expanded !== "string") {
      return {
        fatal: `the W&B settings file ${path} has a "%" the SDK cannot expand in "${key}": ${expanded.error}`,
      };
    }
    values.set(key, expanded);
  }
  return values;
}

/** configparser's `BasicInterpolation`: `%%` is `%`, `%(name)s` is another setting of the section, else an error. */
function interpolate(
  value: string,
  map: ReadonlyMap<string, string>,
  depth: number,
): string | { error: string } {
  if (depth > 10) return { error: "references nest more than 10 deep" };
  let out = "";
  let rest = value;
  for (let at = rest.indexOf("%"); at !== -1; at = rest.indexOf("%")) {
    out += rest.slice(0, at);
    rest = rest.slice(at);
    const ref = /^%\(([^)]+)\)s/.exec(rest);
    if (rest.startsWith("%%")) {
      out += "%";
      rest = rest.slice(2);
    } else if (ref) {
      const name = (ref[1] ?? "").toLowerCase();
      const target = map.get(name);
      if (target === undefined) return { error: `"%(${name})s" names no setting` };
      const expanded = target.includes("%") ? interpolate(target, map, depth + 1) : target;
      if (typeof expanded !== "string") return expanded;
      out += expanded;
      rest = rest.slice(ref[0].length);
    } else {
      return { error: 'write "%%" for a literal "%"' };
    }
  }
  return out + rest;
}
