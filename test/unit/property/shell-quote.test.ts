import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shqJoin } from "../../../src/shell-quote.ts";
import { nulFields, shellWord, type WordEncoding } from "./shell-word.ts";

const CASES: readonly { encoding: WordEncoding; locale: string }[] = [
  { encoding: "utf8", locale: "C.UTF-8" },
  // Invalid UTF-8 under a UTF-8 locale is where a multibyte-aware parser could go wrong.
  { encoding: "latin1", locale: "C.UTF-8" },
  { encoding: "latin1", locale: "C" },
];

describe("shqJoin (property)", () => {
  it.each(CASES)(
    "bash prints back exactly the $encoding words it quotes (LC_ALL=$locale)",
    ({ encoding, locale }) => {
      const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", LC_ALL: locale };
      fc.assert(
        fc.property(fc.array(shellWord(encoding), { minLength: 1, maxLength: 6 }), (words) => {
          // On stdin rather than `bash -c`, so that bytes which are not UTF-8 reach bash unchanged.
          const script = `printf '%s\\0' ${shqJoin(words)}\n`;
          const result = spawnSync("bash", ["-s"], { input: Buffer.from(script, encoding), env });
          const printed = { status: result.status, words: nulFields(result.stdout, encoding) };
          expect(printed, result.stderr.toString()).toEqual({ status: 0, words });
        }),
        { numRuns: 100 },
      );
    },
    20_000,
  );
});
