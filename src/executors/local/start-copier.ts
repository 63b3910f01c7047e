import { execFileSync, spawn } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { Readable } from "node:stream";
import { dirname, join } from "node:path";
import { SlipwayError } from "../../errors.ts";
import { COPIER_FDS, COPIER_SCRIPT } from "./copier-script.ts";

/** Where a local job's output goes: its two per-stream logs and the ordered log. */
export interface CopierFiles {
  readonly stdout: string;
  readonly stderr: string;
  readonly output: string;
}

/** A started copier: the write ends the job gets as stdout and stderr. */
export interface StartedCopier {
  readonly stdoutFd: number;
  readonly stderrFd: number;
  /** Closes this process's write ends; call once the job holds its own (or failed to start), so EOF can come. */
  readonly close: () => void;
}

/**
 * Starts the detached process that copies a job's stdout and stderr into its log files and the ordered
 * `output.log` ({@link COPIER_SCRIPT}), and returns the write ends of its two pipes for the job. It runs in its own
 * session with an empty environment and no arguments, so it outlives the CLI, is not hit by a cancel's signals to
 * the job's process group, and never sees the job's secrets.
 *
 * The pipes are FIFOs, made and unlinked here: Node can only hand a child socket pairs, on which a job's
 * `> /dev/stdout` fails, where a FIFO behaves like the pipe of a shell pipeline. The read ends are opened first
 * (non-blocking, so nothing waits for the copier to start) and passed to the copier; a job whose copier has gone
 * gets SIGPIPE, as in any pipeline. It resolves once the copier reads the pipes (a Node start, ~40 ms): what waits
 * in both pipes when it starts could only be read stream by stream, out of order. A copier slower than
 * `readyTimeoutMs` is let be (nothing is lost; only the order of the first lines may suffer).
 *
 * @example
 * ```ts
 * const copier = await startCopier({ stdout: files.log("stdout"), stderr: files.log("stderr"), output: files.output });
 * try { spawnJob({ stdout: copier.stdoutFd, stderr: copier.stderrFd }); } finally { copier.close(); }
 * ```
 */
export async function startCopier(
  files: CopierFiles,
  execPath: string = process.execPath,
  readyTimeoutMs = 10_000,
): Promise<StartedCopier> {
  const owned: number[] = [];
  const own = (fd: number): number => {
    owned.push(fd);
    return fd;
  };
  const dir = mkdtempSync(join(tmpdir(), "slipway-pipes-"));
  try {
    const paths = [join(dir, "stdout"), join(dir, "stderr")] as const;
    makeFifos(paths);
    const [stdoutRead, stdoutWrite] = openFifo(paths[0], own);
    const [stderrRead, stderrWrite] = openFifo(paths[1], own);
    const stdio: (number | "ignore" | "pipe")[] = ["ignore", "ignore", "ignore"];
    stdio[COPIER_FDS.stdoutPipe] = stdoutRead;
    stdio[COPIER_FDS.stderrPipe] = stderrRead;
    stdio[COPIER_FDS.stdoutLog] = own(openSync(files.stdout, "a", 0o600));
    stdio[COPIER_FDS.stderrLog] = own(openSync(files.stderr, "a", 0o600));
    stdio[COPIER_FDS.outputLog] = own(openSync(files.output, "a", 0o600));
    stdio[COPIER_FDS.ready] = "pipe";
    const copier = spawn(execPath, ["-e", COPIER_SCRIPT], { detached: true, env: {}, cwd: "/", stdio });
    // A failed start is reported through `pid` below; the event would otherwise be an uncaught error.
    copier.on("error", () => undefined);
    if (copier.pid === undefined) {
      throw new SlipwayError("SPAWN_FAILED", `could not start the log copier (${execPath})`, {
        hint: "the job's output is copied by a Node process; check that this Node can still be run",
      });
    }
    copier.unref();
    // Node types the stdio array of a child by its first five entries only.
    await ready((copier.stdio as readonly unknown[])[COPIER_FDS.ready], readyTimeoutMs, execPath);
    // Keep only the write ends: the copier holds the rest now.
    for (const fd of owned.splice(0)) if (fd !== stdoutWrite && fd !== stderrWrite) closeSync(fd);
    owned.push(stdoutWrite, stderrWrite);
    return {
      stdoutFd: stdoutWrite,
      stderrFd: stderrWrite,
      close: () => {
        for (const fd of owned.splice(0)) closeSync(fd);
      },
    };
  } catch (error) {
    for (const fd of owned.splice(0)) closeSync(fd);
    throw error;
  } finally {
    // The open descriptors keep the pipes; the names are not needed past this point.
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves when the copier said it is ready (or after `timeoutMs`); throws if it ended before that. */
async function ready(channel: unknown, timeoutMs: number, execPath: string): Promise<void> {
  if (!(channel instanceof Readable)) return;
  const said = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      resolve(true);
    }, timeoutMs);
    const settle = (ok: boolean): void => {
      clearTimeout(timer);
      resolve(ok);
    };
    channel.once("data", () => {
      settle(true);
    });
    channel.once("error", () => {
      settle(false);
    });
    channel.once("close", () => {
      settle(false);
    });
  });
  channel.destroy();
  if (!said) {
    throw new SlipwayError("SPAWN_FAILED", `the log copier (${execPath} -e …) ended before it was ready`, {
      hint: "the job's output is copied by a Node process; check that this Node can still be run",
    });
  }
}

/** Makes the FIFOs, in one command: a process start is most of the cost. */
function makeFifos(paths: readonly string[]): void {
  try {
    // Node has no mkfifo; the POSIX command is on every system slipway runs jobs on.
    execFileSync("mkfifo", ["-m", "600", ...paths], { stdio: "ignore" });
  } catch (error) {
    throw new SlipwayError(
      "SPAWN_FAILED",
      `could not make the pipes for the job's output in ${dirname(paths[0] ?? "")}`,
      {
        cause: error,
        hint: "slipway needs the mkfifo command and a writable temporary directory (TMPDIR)",
      },
    );
  }
}

/** Opens a FIFO's read end (non-blocking: no writer yet), then its write end. */
function openFifo(path: string, own: (fd: number) => number): [read: number, write: number] {
  const read = own(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  // Opens at once, as the read end exists; blocking, because the job inherits this descriptor's flags.
  const write = own(openSync(path, constants.O_WRONLY));
  return [read, write];
}
