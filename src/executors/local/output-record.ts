/**
 * One line of a local job's ordered log (`output.log`), as the copier writes it and the engine reads it back:
 * a line of the job's output with the stream and the time it arrived, or the end marker written once both streams
 * closed.
 *
 * @example
 * ```ts
 * const record: OutputRecord = { kind: "line", time: "2026-12-06T02:13:45.120Z", stream: "stderr", text: "err 1" };
 * ```
 */
export type OutputRecord =
  | {
      readonly kind: "line";
      /** ISO 8601, UTC, with milliseconds. */
      readonly time: string;
      readonly stream: "stdout" | "stderr";
      readonly text: string;
    }
  | { readonly kind: "end"; readonly time: string };

/** The word of the end marker; never a stream name, so a record is never mistaken for it. */
export const END_MARKER = "end";

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * One record as a line of `output.log`, newline included: `<time> <stream> <text>` or `<time> end`. The text must
 * hold no newline (the copier splits on them); this is the format the copier script writes.
 *
 * @example
 * ```ts
 * formatOutputRecord({ kind: "line", time: "2026-12-06T02:13:45.120Z", stream: "stdout", text: "out 1" });
 * // "2026-12-06T02:13:45.120Z stdout out 1\n"
 * ```
 */
export function formatOutputRecord(record: OutputRecord): string {
  return record.kind === "end"
    ? `${record.time} ${END_MARKER}\n`
    : `${record.time} ${record.stream} ${record.text}\n`;
}

/**
 * Reads one line of `output.log` (without its newline); `undefined` for anything else, which readers skip rather
 * than show a torn or foreign line as output.
 *
 * @example
 * ```ts
 * parseOutputRecord("2026-12-06T02:13:45.120Z stderr err 1");
 * // { kind: "line", time: "2026-12-06T02:13:45.120Z", stream: "stderr", text: "err 1" }
 * ```
 */
export function parseOutputRecord(line: string): OutputRecord | undefined {
  const firstSpace = line.indexOf(" ");
  if (firstSpace === -1) return undefined;
  const time = line.slice(0, firstSpace);
  if (!TIME.test(time)) return undefined;
  const rest = line.slice(firstSpace + 1);
  if (rest === END_MARKER) return { kind: "end", time };
  const secondSpace = rest.indexOf(" ");
  // An empty line is written as `<time> <stream> ` (the space kept); accept it without the space too.
  const stream = secondSpace === -1 ? rest : rest.slice(0, secondSpace);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  return { kind: "line", time, stream, text: secondSpace === -1 ? "" : rest.slice(secondSpace + 1) };
}
