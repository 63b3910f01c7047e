import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { SlipwayError } from "../errors.ts";
import type { CommandResult, CommandRunner, RunOptions } from "./command-runner.ts";

/**
 * A runner for this machine (Slurm's `tunnel = "local"`, when slipway runs on the login node itself): commands run
 * through `/bin/sh -c` with `env` in `homeDir`, files are written with `node:fs`, `home()` is `homeDir`. `close()`
 * ends the commands still running (their calls reject) and refuses later calls. `Connections.local` shares one per
 * home directory.
 *
 * @example
 * ```ts
 * const runner = localRunner(process.env, os.homedir());
 * const { stdout } = await runner.run("squeue -h --me -o %i");
 * ```
 */
export function localRunner(
  env: Readonly<Record<string, string | undefined>>,
  homeDir: string,
): CommandRunner {
  const running = new Set<ChildProcess>();
  let closed = false;
  const label = "local";
  const refuse = () => {
    if (closed) throw new SlipwayError("ENGINE_UNREACHABLE", `the local transport was closed`);
  };
  const childEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

  return {
    label,
    run: (command: string, options: RunOptions = {}): Promise<CommandResult> => {
      refuse();
      return new Promise((resolve, reject) => {
        const { signal } = options;
        if (signal?.aborted === true) {
          reject(signal.reason as Error);
          return;
        }
        const child = spawn("/bin/sh", ["-c", command], { env: childEnv, cwd: homeDir, stdio: "pipe" });
        running.add(child);
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let settled = false;
        const settle = (finish: () => void) => {
          running.delete(child);
          signal?.removeEventListener("abort", onAbort);
          if (settled) return;
          settled = true;
          finish();
        };
        function onAbort() {
          child.kill("SIGTERM");
          settle(() => {
            reject(signal?.reason as Error);
          });
        }
        signal?.addEventListener("abort", onAbort, { once: true });
        child.stdout.on("data", (chunk: Buffer) => {
          stdout.push(chunk);
          if (settled || options.onStdout === undefined) return;
          try {
            options.onStdout(chunk);
          } catch (thrown) {
            child.kill("SIGTERM");
            settle(() => {
              reject(thrown instanceof Error ? thrown : new Error(String(thrown)));
            });
          }
        });
        child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
        child.on("error", (error) => {
          settle(() => {
            reject(
              new SlipwayError("ENGINE_UNREACHABLE", `cannot run /bin/sh on ${label}: ${error.message}`, {
                cause: error,
              }),
            );
          });
        });
        child.on("close", (code) => {
          settle(() => {
            if (closed) {
              reject(
                new SlipwayError(
                  "ENGINE_UNREACHABLE",
                  `the local transport was closed while the command ran`,
                ),
              );
              return;
            }
            resolve({
              stdout: Buffer.concat(stdout).toString("utf8"),
              stderr: Buffer.concat(stderr).toString("utf8"),
              exitCode: code ?? -1,
            });
          });
        });
        // A command that does not read its stdin closes the pipe early: that is not an error of the run.
        child.stdin.on("error", () => undefined);
        child.stdin.end(options.stdin);
      });
    },
    home: () => {
      refuse();
      return Promise.resolve(homeDir);
    },
    writeFile: async (path: string, data: string | Buffer, mode: number) => {
      refuse();
      try {
        await writeFile(path, data, { flag: "wx", mode });
        // The umask may have narrowed the mode.
        await chmod(path, mode);
      } catch (error) {
        throw fileError(error, `cannot create ${path} on ${label}`, path);
      }
    },
    mkdir: async (path: string, mode: number) => {
      refuse();
      try {
        await mkdir(path, { mode });
        await chmod(path, mode);
      } catch (error) {
        throw fileError(error, `cannot create directory ${path} on ${label}`, path);
      }
    },
    close: () => {
      closed = true;
      for (const child of running) child.kill("SIGTERM");
    },
  };
}

function fileError(error: unknown, what: string, path: string): SlipwayError {
  const code = (error as { code?: unknown }).code;
  const parent = dirname(path);
  const why =
    code === "EEXIST"
      ? "it already exists"
      : code === "ENOENT"
        ? `${parent} does not exist`
        : code === "EACCES" || code === "EPERM"
          ? `permission denied (${parent} is not writable)`
          : error instanceof Error
            ? error.message
            : String(error);
  return new SlipwayError("ENGINE_ERROR", `${what}: ${why}`, { cause: error });
}
