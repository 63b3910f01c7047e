import { Secret } from "../secret.ts";

/**
 * One `machine` (or `default`) entry of a netrc file; fields the file leaves out are `""`.
 *
 * @example
 * ```ts
 * const entry = authenticators(parseNetrc("default login user password k"), "api.wandb.ai");
 * entry?.login; // "user"; entry?.password is a Secret
 * ```
 */
export interface NetrcEntry {
  /** `login` or `user`. */
  readonly login: string;
  readonly account: string;
  /** For W&B this is the API key, so it is a {@link Secret}. */
  readonly password: Secret;
}

/**
 * A parsed netrc file, as CPython's `netrc.netrc` holds it: `default` is an ordinary key of `hosts`.
 *
 * @example
 * ```ts
 * const file = parseNetrc("machine api.wandb.ai\n  login user\n  password abc\n");
 * file.hosts.get("api.wandb.ai")?.login; // "user"
 * ```
 */
export interface NetrcFile {
  readonly hosts: ReadonlyMap<string, NetrcEntry>;
  readonly macros: ReadonlyMap<string, readonly string[]>;
}

/**
 * A netrc file CPython would reject. The message never quotes the file (a key could sit where a keyword should);
 * `line` is the 1-based line of the offending word (CPython's own count can run behind after comments).
 *
 * @example
 * ```ts
 * try { parseNetrc("machine a oops x"); } catch (e) { if (e instanceof NetrcParseError) console.log(e.line); } // 1
 * ```
 */
export class NetrcParseError extends Error {
  readonly line: number;

  constructor(detail: string, line: number) {
    super(`line ${line}: ${detail}`);
    this.name = "NetrcParseError";
    this.line = line;
  }
}

const WHITESPACE = new Set(["\n", "\t", "\r", " "]);
const ENTRY_END = new Set(["", "machine", "default", "macdef"]);
// CPython skips the rest of a comment line only for a top-level lone "#" or an in-entry "#…", and only when its
// (lagging) line counter did not move while it looked for the comment: an empty line before the comment moves it.
const STRANDED_HINTS = {
  wordComment: 'Python\'s netrc ends a top-level "#word" comment after that word; write "# word"',
  afterEmptyLine: "Python's netrc does not skip a comment line that follows an empty line",
} as const;

interface Token {
  readonly value: string;
  /** Offset of the token's first character; -1 at end of input. */
  readonly start: number;
}

// A transcription of CPython's `_netrclex`: the comment rules depend on its line counter, which counts only the
// newlines the tokenizer reads (not the ones `readline()` skips), so that counter is kept exactly as CPython keeps it.
class Lexer {
  readonly #text: string;
  #pos = 0;
  lineno = 1;
  /** Whether the last token read ran to the end of its line (its terminator was a newline or end of input). */
  endedLine = false;
  readonly #pushback: Token[] = [];

  constructor(text: string) {
    this.#text = text;
  }

  #readChar(): string {
    const ch = this.#text.charAt(this.#pos);
    if (ch === "") return "";
    this.#pos += 1;
    if (ch === "\n") this.lineno += 1;
    return ch;
  }

  /** Like `fp.readline()`: the rest of the current line with its `\n`; does not move {@link lineno}. */
  readLine(): string {
    const newline = this.#text.indexOf("\n", this.#pos);
    const end = newline === -1 ? this.#text.length : newline + 1;
    const line = this.#text.slice(this.#pos, end);
    this.#pos = end;
    return line;
  }

  pushToken(token: Token): void {
    this.#pushback.push(token);
  }

  getToken(): Token {
    const pushed = this.#pushback.shift();
    if (pushed) return pushed;
    let token = "";
    for (let ch = this.#readChar(); ch !== ""; ch = this.#readChar()) {
      if (WHITESPACE.has(ch)) continue;
      const start = this.#pos - 1;
      if (ch === '"') {
        // A closing quote ends the token at once, even when more text follows it.
        for (ch = this.#readChar(); ch !== "" && ch !== '"'; ch = this.#readChar()) {
          token += ch === "\\" ? this.#readChar() : ch;
        }
        this.endedLine = ch === "";
        return { value: token, start };
      }
      for (; ch !== "" && !WHITESPACE.has(ch); ch = this.#readChar()) {
        token += ch === "\\" ? this.#readChar() : ch;
      }
      this.endedLine = ch === "" || ch === "\n";
      return { value: token, start };
    }
    this.endedLine = true;
    return { value: token, start: -1 };
  }
}

/**
 * Parses netrc text with exactly the grammar of CPython ≥ 3.10 `netrc` (which the W&B SDK uses): `"…"` quoting and
 * `\` escapes, `#` comments with CPython's quirks, `macdef` bodies up to an empty line, `login`/`user`, `account`,
 * `password`, the last duplicate `machine` winning, and `default`. A bare `""` token ends parsing, as in CPython.
 *
 * @throws {NetrcParseError} where CPython raises `NetrcParseError`.
 * @example
 * ```ts
 * const file = parseNetrc('machine "my host" password k\ndefault password d\n');
 * authenticators(file, "my host")?.password.reveal(); // "k"
 * ```
 */
export function parseNetrc(text: string): NetrcFile {
  // Python opens the file in text mode, which turns "\r\n" and "\r" into "\n" before the lexer sees them.
  const source = text.replace(/\r\n?/g, "\n");
  const lineOf = lineFinder(source);
  const lexer = new Lexer(source);
  const hosts = new Map<string, NetrcEntry>();
  const macros = new Map<string, string[]>();
  // Why the rest of the last comment line was not skipped, if it was not: the likely cause of the next error.
  let stranded: keyof typeof STRANDED_HINTS | undefined;
  const hint = (): string => (stranded ? ` (${STRANDED_HINTS[stranded]})` : "");

  for (;;) {
    const savedLineno = lexer.lineno;
    const top = lexer.getToken();
    if (top.value === "") break;
    if (top.value.startsWith("#")) {
      if (lexer.lineno === savedLineno && top.value.length === 1) lexer.readLine();
      else if (!lexer.endedLine) stranded = lexer.lineno === savedLineno ? "wordComment" : "afterEmptyLine";
      continue;
    }
    let name: Token;
    if (top.value === "machine") name = lexer.getToken();
    else if (top.value === "default") name = { value: "default", start: top.start };
    else if (top.value === "macdef") {
      const macro = lexer.getToken().value;
      const body: string[] = [];
      macros.set(macro, body);
      for (let line = lexer.readLine(); line !== "\n"; line = lexer.readLine()) {
        if (line === "")
          throw new NetrcParseError('"macdef" body is not ended by an empty line', lineOf(top.start));
        body.push(line);
      }
      continue;
    } else {
      throw new NetrcParseError(`expected "machine", "default" or "macdef"${hint()}`, lineOf(top.start));
    }
    if (name.value === "") throw new NetrcParseError('"machine" has no name', lineOf(top.start));
    stranded = undefined;

    let login = "";
    let account = "";
    let password = "";
    for (;;) {
      const prevLineno = lexer.lineno;
      const field = lexer.getToken();
      if (field.value.startsWith("#")) {
        if (lexer.lineno === prevLineno) lexer.readLine();
        else if (!lexer.endedLine) stranded = "afterEmptyLine";
        continue;
      }
      if (ENTRY_END.has(field.value)) {
        hosts.set(name.value, { login, account, password: new Secret(password) });
        lexer.pushToken(field);
        break;
      }
      if (field.value === "login" || field.value === "user") login = lexer.getToken().value;
      else if (field.value === "account") account = lexer.getToken().value;
      else if (field.value === "password") password = lexer.getToken().value;
      else {
        throw new NetrcParseError(
          `expected "login", "user", "account" or "password" in a machine entry${hint()}`,
          lineOf(field.start),
        );
      }
      stranded = undefined;
    }
  }
  return { hosts, macros };
}

/**
 * The entry for `machine`, else the `default` entry, else `undefined` (CPython's `netrc.authenticators`).
 *
 * @example
 * ```ts
 * authenticators(parseNetrc("default password k"), "api.wandb.ai")?.password.reveal(); // "k"
 * ```
 */
export function authenticators(file: NetrcFile, machine: string): NetrcEntry | undefined {
  return file.hosts.get(machine) ?? file.hosts.get("default");
}

/** Maps an offset in `text` to its 1-based line number. */
function lineFinder(text: string): (offset: number) => number {
  const starts = [0];
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
  return (offset) => {
    const target = offset < 0 ? text.length : offset;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= target) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
