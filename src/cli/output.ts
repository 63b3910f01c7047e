import { stripVTControlCharacters, styleText } from "node:util";
import { surelyNotTerminal, writeErr, writeOut, type StdName } from "./std-output.ts";

type Style = Parameters<typeof styleText>[0];

// Whether each stream gets colours, asked once per stream: a list of 10,000 jobs paints 10,000 cells.
const colours = new Map<StdName, boolean>();

/**
 * Colours text for stdout or stderr only when that stream is a terminal (and NO_COLOR is unset, or FORCE_COLOR is
 * set). Output that is surely no terminal (a file, a pipe, /dev/null) is told without making Node's stream.
 */
export function paint(style: Style, text: string, to: StdName = "stdout"): string {
  let coloured = colours.get(to);
  if (coloured === undefined) {
    const forced = (process.env["FORCE_COLOR"] ?? "") !== "";
    coloured =
      !forced && surelyNotTerminal(to) ? false : styleText("red", "x", { stream: process[to] }) !== "x";
    colours.set(to, coloured);
  }
  return coloured ? styleText(style, text, { stream: process[to] }) : text;
}

/** The spinner on screen, if any: a message clears its line first and draws it again below. */
let onScreen: { readonly draw: () => void } | undefined;

function writeLine(line: string): void {
  if (onScreen !== undefined) process.stderr.write("\r\x1b[2K");
  writeErr(`${line}\n`);
  onScreen?.draw();
}

/** Writes a slipway message (not job output) to stderr. */
export function say(message: string): void {
  writeLine(`${paint("dim", "slipway:", "stderr")} ${message}`);
}

/** Writes a warning (something was skipped or is wrong, but the command goes on) to stderr. */
export function warn(message: string): void {
  writeLine(`${paint("yellow", "warning:", "stderr")} ${message}`);
}

/** Writes a note (a flag that does nothing here, and why) to stderr. */
export function note(message: string): void {
  writeLine(`${paint("cyan", "note:", "stderr")} ${message}`);
}

/** Prints rows as an aligned table with a header; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  // Only a cell with an escape (ESC or CSI) can hold colour codes to leave out of its width.
  const width = (cell: string): number =>
    cell.includes("\u001b") || cell.includes("\u009b") ? stripVTControlCharacters(cell).length : cell.length;
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => width(row[column] ?? ""))),
  );
  const pad = (cell: string, column: number): string =>
    cell + " ".repeat(Math.max(0, (widths[column] ?? 0) - width(cell)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, column)))
      .join("  ")
      .trimEnd();
  return [paint("bold", line(header)), ...rows.map(line)].join("\n");
}

/** Prints a value as indented JSON on stdout (Secrets print as "***"). */
export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * A one-line spinner on stderr while slipway waits; silent when stderr is not a terminal.
 *
 * @example
 * ```ts
 * const spin = spinner("submitting");
 * await work();
 * spin.stop();
 * ```
 */
export function spinner(text: string): { update(text: string): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  let current = text;
  let frame = 0;
  const draw = (): void => {
    process.stderr.write(
      `\r\x1b[2K${paint("cyan", FRAMES[frame % FRAMES.length] ?? "", "stderr")} ${current}`,
    );
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, 80);
  timer.unref();
  const self = { draw };
  onScreen = self;
  return {
    update: (next) => {
      current = next;
    },
    stop: () => {
      clearInterval(timer);
      if (onScreen === self) onScreen = undefined;
      process.stderr.write("\r\x1b[2K");
    },
  };
}

/** Cuts text to `width` characters at a word boundary, ending with "…" when something was cut. */
export function cut(text: string, width: number): string {
  if (text.length <= width) return text;
  const room = text.slice(0, width - 1);
  const space = room.lastIndexOf(" ");
  return `${(space > 0 ? room.slice(0, space) : room).trimEnd()}…`;
}

/** "3.2 s", "4 min 05 s" */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")} s`;
}

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago" */
export function age(iso: string, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
