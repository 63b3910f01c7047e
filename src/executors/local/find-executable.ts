import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

/**
 * Where `command` would be found when started with this `PATH` from `cwd`, or `undefined` — checked before
 * spawning so a typo gives a clear error instead of a shell's exit code 127.
 *
 * @example
 * ```ts
 * findExecutable("python3", process.env.PATH, process.cwd()); // "/usr/bin/python3"
 * ```
 */
export function findExecutable(command: string, path: string | undefined, cwd: string): string | undefined {
  if (command.includes("/")) {
    const candidate = isAbsolute(command) ? command : resolve(cwd, command);
    return isExecutableFile(candidate) ? candidate : undefined;
  }
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(isAbsolute(dir) ? dir : resolve(cwd, dir), command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
