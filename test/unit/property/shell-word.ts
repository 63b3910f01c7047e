import fc from "fast-check";

/**
 * How generated text reaches the shell: `utf8` is any string slipway could hold (encoded as UTF-8, as Node does);
 * `latin1` is any byte but NUL, one char per byte, so that invalid UTF-8 reaches the shell too.
 */
export type WordEncoding = "utf8" | "latin1";

// Pieces that shells treat specially, mixed into random text so that most words meet several of them.
const SPECIAL = [
  "'",
  "'\\''",
  '"',
  "$",
  "$HOME",
  "$(id)",
  "${x}",
  "$'",
  "`",
  "`id`",
  "!",
  "!!",
  "\\",
  "\n",
  "\r",
  "\t",
  " ",
  "-",
  "--",
  "-n",
  "-e",
  "*",
  "?",
  "[a]",
  "~",
  "#",
  ";",
  "&",
  "|",
  "<",
  ">",
  "(",
  ")",
  "{",
  "}",
  "=",
  "%s",
  "é",
  "🙂",
  "\u00a0",
  "\u2028",
  "\x7f",
  "\x1b",
  "\xff",
];

const byteChar = fc.integer({ min: 1, max: 255 }).map((code) => String.fromCharCode(code));

/**
 * A word for the shell: random text (any code point but NUL, or any byte but NUL for `latin1`) mixed with quotes,
 * `$`, backticks, `!`, newlines, leading dashes and the like; empty words included.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(shellWord("utf8"), (word) => roundTrips(word)), { numRuns: 100 });
 * ```
 */
export function shellWord(encoding: WordEncoding): fc.Arbitrary<string> {
  const random =
    encoding === "utf8"
      ? fc.string({ unit: "binary", maxLength: 12 }).map((s) => s.replaceAll("\0", ""))
      : fc.string({ unit: byteChar, maxLength: 12 });
  const special = fc.constantFrom(
    ...SPECIAL.filter((piece) => encoding === "utf8" || !/[\u0100-\uffff]/.test(piece)),
  );
  return fc.array(fc.oneof(random, special), { maxLength: 5 }).map((parts) => parts.join(""));
}

/**
 * The NUL-terminated fields of a program's output (`printf '%s\0' …`, `env -0`), decoded as `encoding`.
 *
 * @example
 * ```ts
 * nulFields(Buffer.from("a\0b\0"), "utf8"); // ["a", "b"]
 * ```
 */
export function nulFields(output: Buffer, encoding: WordEncoding): string[] {
  const fields = output.toString(encoding).split("\0");
  // Each field ends with NUL, so the last piece is what follows the last NUL: "" unless the output was cut short.
  if (fields.at(-1) === "") fields.pop();
  return fields;
}
