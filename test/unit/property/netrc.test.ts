import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { expect, it } from "vitest";
import { nodeDetectFs } from "../../../src/env/detect-fs.ts";
import { NetrcParseError, parseNetrc } from "../../../src/env/netrc.ts";
import { describeWithEngine, type EngineProbe } from "../../helpers/engine.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

/** What both parsers give for one file: whether it parsed, and each host's [login, account, password]. */
type Parsed = { ok: false } | { ok: true; hosts: [string, [string, string, string]][] };

const ORACLE = join(import.meta.dirname, "netrc-oracle.py");

/** The repo's `.venv` Python, else `python3`; only the standard library's netrc is needed. */
function python(): EngineProbe {
  const venv = join(import.meta.dirname, "..", "..", "..", ".venv", "bin", "python");
  if (existsSync(venv)) return { ok: true, value: venv };
  if (spawnSync("python3", ["--version"]).status === 0) return { ok: true, value: "python3" };
  return { ok: false, reason: "no .venv/bin/python and no python3 on PATH; run scripts/setup-python.sh" };
}

/** slipway's answer for a file, read the way W&B key detection reads it. */
function ours(path: string): Parsed {
  try {
    const file = parseNetrc(nodeDetectFs.readFile(path));
    return {
      ok: true,
      hosts: [...file.hosts].map(([name, e]) => [name, [e.login, e.account, e.password.reveal()]]),
    };
  } catch (error) {
    if (error instanceof NetrcParseError) return { ok: false };
    throw error;
  }
}

const KEYWORDS = ["machine", "default", "macdef", "login", "user", "account", "password"];
const CHARS = [
  "a",
  "z",
  "0",
  ".",
  "-",
  "_",
  ":",
  "@",
  "/",
  "#",
  "\\",
  '"',
  "'",
  "é",
  "🙂",
  "\u00a0",
  "\f",
  "\v",
];
// Whitespace netrc knows (space, tab, newlines) and line ends Python's text mode rewrites ("\r\n", "\r").
const separator = fc.constantFrom(" ", "\t", "\n", "\r\n", "\r", " \t ", "\n\n", "\n \n", "\r\n\r\n");
const char = fc.oneof(
  { arbitrary: fc.constantFrom(...CHARS), weight: 4 },
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);
const lineText = fc
  .array(fc.oneof(char, fc.constantFrom(" ", "\t", "machine", "password")), { maxLength: 6 })
  .map((parts) => parts.join(""));

/** A netrc token: a plain word (maybe with `\` escapes or a `"` inside), a quoted one (maybe unclosed), a keyword. */
const token = fc.oneof(
  { arbitrary: fc.constantFrom("api.wandb.ai", "localhost:8080", "u", "k3y", '"my host"'), weight: 3 },
  { arbitrary: fc.array(char, { minLength: 1, maxLength: 8 }).map((cs) => cs.join("")), weight: 4 },
  {
    arbitrary: fc
      .tuple(
        fc.array(fc.oneof(char, fc.constantFrom(" ", "\t", "\n", '\\"', "\\\\")), { maxLength: 6 }),
        fc.oneof({ arbitrary: fc.constant('"'), weight: 9 }, fc.constant("")),
      )
      .map(([parts, close]) => `"${parts.join("")}${close}`),
    weight: 2,
  },
  fc.constantFrom(...KEYWORDS, '""', "#"),
);

const comment = fc
  .tuple(fc.constantFrom("#", "# ", "#x ", "##"), lineText, fc.constantFrom("\n", ""))
  .map((parts) => parts.join(""));

const field = fc
  .tuple(
    fc.oneof({ arbitrary: fc.constantFrom("login", "user", "account", "password"), weight: 9 }, token),
    separator,
    token,
  )
  .map((parts) => parts.join(""));

const entry = fc
  .tuple(
    fc.oneof(
      fc.constant("default"),
      fc.tuple(separator, token).map(([sep, name]) => `machine${sep}${name}`),
    ),
    fc.array(
      fc.tuple(separator, fc.oneof({ arbitrary: field, weight: 5 }, comment)).map((p) => p.join("")),
      { maxLength: 4 },
    ),
  )
  .map(([head, fields]) => head + fields.join(""));

const macdef = fc
  .tuple(token, fc.array(lineText, { maxLength: 3 }), fc.boolean())
  .map(
    ([name, lines, ended]) => `macdef ${name}\n${lines.map((l) => `${l}\n`).join("")}${ended ? "\n" : ""}`,
  );

/** A netrc file: entries, comments, macros and stray tokens with odd whitespace between; rarely a leading BOM. */
const netrcText = fc
  .tuple(
    fc.oneof({ arbitrary: fc.constant(""), weight: 19 }, fc.constant("\uFEFF")),
    fc.array(
      fc.tuple(
        fc.oneof(
          { arbitrary: entry, weight: 12 },
          { arbitrary: comment, weight: 3 },
          { arbitrary: macdef, weight: 1 },
          { arbitrary: token, weight: 1 },
        ),
        separator,
      ),
      { maxLength: 5 },
    ),
  )
  .map(([bom, items]) => bom + items.map((p) => p.join("")).join(""));

describeWithEngine("parseNetrc agrees with CPython's netrc (property)", python(), (py) => {
  const tempDir = useTempDirs();

  // One Python call per run, for a batch of about 20 files; a failure shrinks to the one file that differs.
  it("parses generated files as CPython does", () => {
    const dir = tempDir();
    fc.assert(
      fc.property(fc.array(netrcText, { minLength: 1, maxLength: 40, size: "max" }), (texts) => {
        const paths = texts.map((text, i) => {
          const path = join(dir, `${i}.netrc`);
          writeFileSync(path, text);
          return path;
        });
        const oracle = spawnSync(py, [ORACLE, ...paths], { encoding: "utf8" });
        expect(oracle.status, oracle.stderr).toBe(0);
        const theirs = JSON.parse(oracle.stdout) as Parsed[];
        texts.forEach((text, i) => {
          expect(ours(paths[i]!), JSON.stringify(text)).toEqual(theirs[i]);
        });
      }),
      { numRuns: 15 },
    );
  }, 30_000);
});
