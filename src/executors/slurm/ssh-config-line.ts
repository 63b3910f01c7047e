import { ConfigError } from "../../errors.ts";

/** One meaningful line of an OpenSSH client config file: its keyword (lower-cased) and arguments, quotes removed. */
export interface SshConfigLine {
  readonly keyword: string;
  readonly args: readonly string[];
  /** The arguments as written, for keywords that take a command (`ProxyCommand`). */
  readonly rest: string;
}

/**
 * Splits one line of an OpenSSH client config file as `ssh` does: `Keyword value`, `Keyword=value` and
 * `Keyword = value`; arguments split on blanks, `"…"` and `'…'` quote (also inside a word), a backslash escapes a
 * quote, a backslash or a blank; an unquoted word starting with `#` ends the line. `undefined` for blank and comment
 * lines; an unbalanced quote is a `CONFIG_SYNTAX` error pointing at `file:line`.
 *
 * @example
 * ```ts
 * splitSshConfigLine('  IdentityFile="~/.ssh/my key" # work', "~/.ssh/config", 3);
 * // { keyword: "identityfile", args: ["~/.ssh/my key"], rest: '"~/.ssh/my key" # work' }
 * ```
 */
export function splitSshConfigLine(raw: string, file: string, line: number): SshConfigLine | undefined {
  const match = /^\s*([^\s=]+)(?:\s*=\s*|\s+|$)(.*)$/.exec(raw);
  if (match === null) return undefined;
  const [, keyword = "", rest = ""] = match;
  if (keyword.startsWith("#")) return undefined;
  return { keyword: keyword.toLowerCase(), args: splitArguments(rest, file, line), rest: rest.trim() };
}

function splitArguments(text: string, file: string, line: number): string[] {
  const args: string[] = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    const next = text.charAt(i + 1);
    if (quote === undefined && /\s/.test(c)) {
      if (current !== undefined) args.push(current);
      current = undefined;
    } else if (quote === undefined && c === "#" && current === undefined) {
      break;
    } else if (
      c === "\\" &&
      (next === '"' || next === "'" || next === "\\" || (quote === undefined && next === " "))
    ) {
      current = (current ?? "") + next;
      i++;
    } else if (quote === undefined && (c === '"' || c === "'")) {
      quote = c;
      current ??= "";
    } else if (c === quote) {
      quote = undefined;
    } else {
      current = (current ?? "") + c;
    }
  }
  if (quote !== undefined) {
    throw new ConfigError("CONFIG_SYNTAX", `${file}:${line}: unbalanced ${quote} quote`, {
      file,
      line,
      hint: "close the quote, or escape it with a backslash",
    });
  }
  if (current !== undefined) args.push(current);
  return args;
}

/**
 * OpenSSH's `match_pattern`: `*` is any run of characters, `?` exactly one, everything else literal.
 *
 * @example
 * ```ts
 * globMatch("login?.*.example.org", "login1.hpc.example.org"); // true
 * ```
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (pattern[p] === "*") {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * Whether a `Host` line's patterns select `alias` (as given, case-sensitively, like OpenSSH): some plain pattern
 * matches and no `!pattern` does.
 *
 * @example
 * ```ts
 * hostPatternsMatch(["*.hpc.example.org", "!gateway.hpc.example.org"], "login1.hpc.example.org"); // true
 * ```
 */
export function hostPatternsMatch(patterns: readonly string[], alias: string): boolean {
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    if (!globMatch(pattern, alias)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}
