import { readFileSync } from "node:fs";
import { join } from "node:path";
import { endQuietlyOnClosedPipe, writeOut } from "./std-output.ts";

/** The file beside the bundled entry that holds every help text (scripts/build-cli.ts writes it). */
export const HELP_FILE = "help.json";

/**
 * Prints the help that `args` (the words after `slipway`) ask for, when they ask only that — `--help` or `-h`, alone
 * or after a command's name — from the texts rendered at build time into `dir`/help.json, without loading the CLI.
 * Returns false, having printed nothing, for any other `args`, when there is no such file (running from the
 * sources) or no text for the command; the CLI then does the work.
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
  if (typeof text !== "string") return false;
  // Through the descriptor, as the CLI writes: no stream to set up, a closed pipe ends it quietly.
  endQuietlyOnClosedPipe();
  writeOut(text);
  return true;
}
