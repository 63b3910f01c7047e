import { END_MARKER } from "./output-record.ts";

/**
 * The file descriptors the copier is started with, in its stdio array: the read ends of the job's stdout and
 * stderr pipes, then the three files it writes (opened by the launching process, so their modes are set there).
 *
 * @example
 * ```ts
 * stdio[COPIER_FDS.outputLog] = outputFd; // 7
 * ```
 */
export const COPIER_FDS = {
  stdoutPipe: 3,
  stderrPipe: 4,
  stdoutLog: 5,
  stderrLog: 6,
  outputLog: 7,
  /** Written to (and closed) once the copier reads the pipes, so the job starts only then. */
  ready: 8,
} as const;

/**
 * The program of a local job's output copier, run as `node -e COPIER_SCRIPT` with the descriptors of
 * {@link COPIER_FDS} and nothing else: no arguments, an empty environment. It copies each pipe to its log file byte
 * for byte (what `stdout.log` and `stderr.log` always held) and writes every line, as it arrives, to `output.log` in
 * the format of `formatOutputRecord` (`output-record.ts`); once both pipes are closed it writes the end marker.
 * It says it is ready on its last descriptor: lines already waiting in both pipes when it starts reading could only
 * be taken stream by stream, so the job is started after that.
 *
 * - A source string rather than a shipped file: the CLI is one esbuild bundle and `dist/` holds no other scripts,
 *   so a string is what reaches every install (from the sources, the bundle or the npm package) unchanged.
 * - All lines of one read share its time; a line still open when the stream closes is written as it is.
 * - Two pipes carry no order between them: lines written to both within the moment it takes the copier to wake are
 *   taken stream by stream (Docker, reading two pipes too, has the same limit); a pause in between orders them.
 * - A line longer than 1 MiB (a progress bar redrawn with `\r` for hours) is written in pieces, so memory stays flat.
 * - Write errors (a full disk) are ignored so the pipes keep draining: stopping would kill the job with SIGPIPE.
 *
 * @example
 * ```ts
 * const stdio = ["ignore", "ignore", "ignore", outRead, errRead, outLog, errLog, outputLog, "pipe"];
 * spawn(process.execPath, ["-e", COPIER_SCRIPT], { detached: true, env: {}, stdio });
 * ```
 */
export const COPIER_SCRIPT = `"use strict";
process.title = "slipway-copier";
const { closeSync, writeSync } = require("node:fs");
const { Socket } = require("node:net");
const MAX = 1048576;
const write = (fd, data) => { try { writeSync(fd, data); } catch {} };
const now = () => new Date().toISOString();
let open = 2;
for (const [pipe, copy, stream] of [[${COPIER_FDS.stdoutPipe}, ${COPIER_FDS.stdoutLog}, "stdout"], [${COPIER_FDS.stderrPipe}, ${COPIER_FDS.stderrLog}, "stderr"]]) {
  const decoder = new TextDecoder();
  let partial = "";
  let closed = false;
  const record = (time, text) => write(${COPIER_FDS.outputLog}, time + " " + stream + " " + (text.endsWith("\\r") ? text.slice(0, -1) : text) + "\\n");
  const socket = new Socket({ fd: pipe, readable: true, writable: false });
  socket.on("data", (chunk) => {
    write(copy, chunk);
    const time = now();
    const lines = (partial + decoder.decode(chunk, { stream: true })).split("\\n");
    partial = lines.pop();
    for (const line of lines) record(time, line);
    if (partial.length > MAX) { record(time, partial); partial = ""; }
  });
  const done = () => {
    if (closed) return;
    closed = true;
    const rest = partial + decoder.decode();
    if (rest !== "") record(now(), rest);
    if (--open === 0) write(${COPIER_FDS.outputLog}, now() + " ${END_MARKER}\\n");
  };
  socket.on("error", done);
  socket.on("close", done);
}
write(${COPIER_FDS.ready}, "ready");
try { closeSync(${COPIER_FDS.ready}); } catch {}
`;
