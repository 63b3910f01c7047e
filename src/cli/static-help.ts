import { readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

/** The file beside the bundled entry that holds every help text (scripts/build-cli.ts writes it). */
export const HELP_FILE = "help.json";

/**
 * Prints the help that `args` (the words after `slipway`) ask for, when they ask only that — `--help` or `-h`, alone
 * or after a command's name — from the texts rendered at build time into `dir`/help.json, without loading the CLI.
 * Returns false, having printed nothing, for any other `args`, when there is no such file (running from the
 * sources) or no text for the command, or when stdout would block; the CLI then does the work.
 *
 * @example
 * ```ts
 * if (printStaticHelp(dirname(process.argv[1] ?? ""), process.argv.slice(2))) process.exit(0);
 * ```
 */
export function printStaticHelp(dir: string, args: readonly string[]): boolean {
  const asksHelp = (arg: string | undefined) => arg === "--help" || arg === "-h";
  const key =
    args.length === 1 && asksHelp(args[0])
      ? ""
      : args.length === 2 && asksHelp(args[1])
        ? args[0]
        : undefined;
  if (key === undefined) return false;
  let texts: Record<string, unknown>;
  try {
    texts = JSON.parse(readFileSync(join(dir, HELP_FILE), "utf8")) as Record<string, unknown>;
  } catch {
    return false;
  }
  const text = Object.hasOwn(texts, key) ? texts[key] : undefined;
  return typeof text === "string" && printNow(text);
}

/**
 * Writes `text` to stdout (fd 1) at once, without setting up `process.stdout`; returns false, having written
 * nothing, when stdout would block. A closed pipe ends the writing quietly, as `git log | head` does.
 */
function printNow(text: string): boolean {
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "EAGAIN" && written === 0) return false;
    if (code === "EAGAIN") process.stdout.write(bytes.subarray(written));
    else if (code !== "EPIPE") throw error;
  }
  return true;
}
