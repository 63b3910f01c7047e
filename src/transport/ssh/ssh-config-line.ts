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
