import { fstatSync, statSync, writeSync } from "node:fs";

/** Which standard output: stdout or stderr. */
export type StdName = "stdout" | "stderr";

const FD: Readonly<Record<StdName, number>> = { stdout: 1, stderr: 2 };

/** The standard streams Node has made so far (each is made on first use of `process.stdout` / `process.stderr`). */
const made = new Set<StdName>();

/** Whether {@link endQuietlyOnClosedPipe} runs in this process (the CLI): only then are descriptors written. */
let handled = false;

/**
 * Makes output into a closed pipe end the command quietly, as `git log | head` does: `slipway logs id | head -3`
 * exits 0 once `head` has what it wants, instead of dying on an unhandled EPIPE with Node's stack. The handler is
 * added when Node makes each stream, so a command that writes only through {@link writeOut} / {@link writeErr}
 * never makes them (which loads Node's stream modules, ~3 ms of a start).
 */
export function endQuietlyOnClosedPipe(exit: (code: number) => never = (code) => process.exit(code)): void {
  handled = true;
  const quietly = (stream: NodeJS.WriteStream): void => {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") exit(0);
      throw error;
    });
  };
  for (const name of ["stdout", "stderr"] as const) {
    const own = Object.getOwnPropertyDescriptor(process, name);
    const make = own?.get?.bind(process);
    if (make === undefined || own?.configurable !== true) {
      quietly(process[name]);
      made.add(name);
      continue;
    }
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: own.enumerable ?? true,
      get() {
        const stream = make() as NodeJS.WriteStream;
        Object.defineProperty(process, name, {
          configurable: true,
          enumerable: own.enumerable ?? true,
          get: () => stream,
        });
        made.add(name);
        quietly(stream);
        return stream;
      },
    });
  }
}

/** Writes `text` to stdout: see {@link writeErr}. */
export function writeOut(text: string): void {
  writeStd("stdout", text);
}

/**
 * Writes `text` to stderr through its file descriptor, at once, without making Node's stream; once the stream is
 * made (something wrote through it) or the descriptor would block (a non-blocking pipe), through the stream, so that
 * nothing is reordered. A closed pipe ends the command quietly, as for the streams.
 */
export function writeErr(text: string): void {
  writeStd("stderr", text);
}

/**
 * True when `name` is surely not a terminal, known without making its stream: a file, a pipe, a socket, /dev/null.
 * False when it may be one (a terminal or another device): ask the stream.
 */
export function surelyNotTerminal(name: StdName): boolean {
  if (made.has(name)) return false;
  try {
    const out = fstatSync(FD[name]);
    if (!out.isCharacterDevice()) return true;
    const devNull = statSync("/dev/null");
    return out.dev === devNull.dev && out.ino === devNull.ino;
  } catch {
    return false;
  }
}

function writeStd(name: StdName, text: string): void {
  if (!handled || made.has(name)) {
    process[name].write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(FD[name], bytes, written);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "EPIPE") process.exit(0);
    if (code !== "EAGAIN") throw error;
    process[name].write(bytes.subarray(written));
  }
}
