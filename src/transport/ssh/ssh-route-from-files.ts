import { readdirSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { ConfigError } from "../../errors.ts";
import { resolveSshRoute, type SshRoute, type SshTarget, type TransportContext } from "./ssh-route.ts";

/**
 * Resolves `target` as resolveSshRoute does, reading `<homeDir>/.ssh/config` (and what it includes) from this
 * machine, synchronously, so that a broken config throws `CONFIG_SYNTAX` at once. The local user is `$USER`, else
 * `$LOGNAME`, else the account's name.
 *
 * @example
 * ```ts
 * const route = sshRouteFromFiles(target, { env: process.env, homeDir: os.homedir() });
 * route.target.label; // "alice@login.example.org:22"
 * ```
 */
export function sshRouteFromFiles(target: SshTarget, context: TransportContext): SshRoute {
  return resolveSshRoute(target, context, {
    localUser: localUser(context.env),
    readFile: readTextIfExists,
    listDir: (path) => {
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
  });
}

function localUser(env: TransportContext["env"]): string {
  const fromEnv = env["USER"] ?? env["LOGNAME"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return "root";
  }
}

function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ConfigError("CONFIG_READ", `cannot read ${path}: ${String(code ?? error)}`, {
      file: path,
      hint: "make the file readable, or remove it",
      cause: error,
    });
  }
}
