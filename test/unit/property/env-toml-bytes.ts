import fc from "fast-check";
import { stringify } from "smol-toml";
import { envTomlDocument } from "./env-toml-document.ts";

// Fragments of TOML syntax and values that trip parsers: quotes, brackets, odd numbers, dates, a BOM, NUL.
const TOML_PIECES = [
  ...[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    " = ",
    '"',
    "'",
    '"""',
    "'''",
    "\n",
    "\r\n",
    "\r",
    "#",
    "\\",
    "\\u00",
    "{",
    "}",
  ],
  ...[",", ".", "a", "wandb", "executor", '"local"', "extends", "env", "1979-05-27T07:32:00Z", "inf", "nan"],
  ...["0x1F", "1_000", "1e400", "-0", "true", " ", "\t", "\uFEFF", "\0", "\x7f", "__proto__", "${env:HOME}"],
];

/**
 * env.toml bytes: random bytes (often not UTF-8), random text, TOML-ish fragments, and generated documents with one
 * fragment spliced in somewhere.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(envTomlBytes, (bytes) => { writeFileSync(file, bytes); loads(file); }), { numRuns: 300 });
 * ```
 */
export const envTomlBytes = fc.oneof(
  fc.uint8Array({ maxLength: 1000 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: "binary", maxLength: 1000 }).map((s) => Buffer.from(s)),
  fc
    .array(fc.oneof(fc.constantFrom(...TOML_PIECES), fc.string({ maxLength: 4 })), { maxLength: 200 })
    .map((pieces) => Buffer.from(pieces.join(""))),
  fc.tuple(envTomlDocument, fc.nat(), fc.constantFrom(...TOML_PIECES)).map(([doc, at, piece]) => {
    const toml = stringify(doc);
    const cut = at % (toml.length + 1);
    return Buffer.from(toml.slice(0, cut) + piece + toml.slice(cut));
  }),
);
