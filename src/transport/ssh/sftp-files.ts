import { dirname } from "node:path/posix";
import type { SFTPWrapper } from "ssh2";
import { SlipwayError } from "../../errors.ts";

// SFTP v3 status codes (draft-ietf-secsh-filexfer-02), as ssh2 puts them in `error.code`.
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;
const FAILURE = 4;

type SftpError = Error & { code?: unknown };

/**
 * Creates `path` with exactly `data` and `mode` over SFTP: an exclusive create (`wx`, failing if it exists) with the
 * mode, the whole content, then `fchmod` (or `chmod`) to the mode again since the server's umask may have narrowed
 * it. A file left half-written is removed. Errors are `ENGINE_ERROR` naming the path and `label`
 * (`ENGINE_UNREACHABLE` when the connection is lost).
 *
 * @example
 * ```ts
 * await sftpWriteFile(sftp, "/home/alice/.slipway/jobs/x/job.sh", script, 0o700, "alice@login1:22");
 * ```
 */
export async function sftpWriteFile(
  sftp: SFTPWrapper,
  path: string,
  data: string | Buffer,
  mode: number,
  label: string,
): Promise<void> {
  const what = `cannot create ${path} on ${label}`;
  const content = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let handle: Buffer;
  try {
    handle = await call<Buffer>((done) => {
      sftp.open(path, "wx", { mode }, done);
    });
  } catch (error) {
    throw await describe(error, sftp, path, what);
  }
  try {
    await call((done) => {
      sftp.write(handle, content, 0, content.length, 0, done);
    });
    await call((done) => {
      sftp.fchmod(handle, mode, done);
    }).catch(() =>
      call((done) => {
        sftp.chmod(path, mode, done);
      }),
    );
    await call((done) => {
      sftp.close(handle, done);
    });
  } catch (error) {
    await call((done) => {
      sftp.close(handle, done);
    }).catch(() => undefined);
    await call((done) => {
      sftp.unlink(path, done);
    }).catch(() => undefined);
    throw await describe(error, sftp, path, what);
  }
}

/**
 * Creates directory `path` with `mode` over SFTP (the parent must exist; fails if it exists), then `chmod`s it to
 * the mode in case of the server's umask. Errors as {@link sftpWriteFile}'s.
 *
 * @example
 * ```ts
 * await sftpMkdir(sftp, "/home/alice/.slipway/jobs/x", 0o700, "alice@login1:22");
 * ```
 */
export async function sftpMkdir(sftp: SFTPWrapper, path: string, mode: number, label: string): Promise<void> {
  const what = `cannot create directory ${path} on ${label}`;
  try {
    await call((done) => {
      sftp.mkdir(path, { mode }, done);
    });
    await call((done) => {
      sftp.chmod(path, mode, done);
    });
  } catch (error) {
    throw await describe(error, sftp, path, what);
  }
}

/**
 * The absolute form of `path` on the server (`"."` is the login directory).
 *
 * @example
 * ```ts
 * await sftpRealpath(sftp, ".", "alice@login1:22"); // "/home/alice"
 * ```
 */
export async function sftpRealpath(sftp: SFTPWrapper, path: string, label: string): Promise<string> {
  try {
    return await call<string>((done) => {
      sftp.realpath(path, done);
    });
  } catch (error) {
    throw await describe(error, sftp, path, `cannot resolve ${path} on ${label}`);
  }
}

function call<T = undefined>(
  start: (done: (error: Error | null | undefined, value?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, value) => {
      if (error) reject(error);
      else resolve(value as T);
    });
  });
}

async function describe(
  error: unknown,
  sftp: SFTPWrapper,
  path: string,
  what: string,
): Promise<SlipwayError> {
  const { code, message } = error as SftpError;
  const parent = dirname(path);
  if (message === "No response from server" || message === "Not connected") {
    return new SlipwayError("ENGINE_UNREACHABLE", `${what}: the connection was lost`, { cause: error });
  }
  let why = message;
  let hint: string | undefined;
  if (code === PERMISSION_DENIED) {
    why = `permission denied (${parent} is not writable, or ${path} is not ours)`;
    hint = `check the owner and mode of ${parent} there (ls -ld ${parent})`;
  } else if (code === NO_SUCH_FILE) {
    why = `${parent} does not exist`;
    hint = `create ${parent} first`;
  } else if (code === FAILURE && (await exists(sftp, path))) {
    // SFTP v3 has no "already exists" status: OpenSSH's server answers a plain failure.
    why = "it already exists";
    hint = "remove it, or use another path";
  }
  return new SlipwayError("ENGINE_ERROR", `${what}: ${why}`, { hint, cause: error });
}

async function exists(sftp: SFTPWrapper, path: string): Promise<boolean> {
  try {
    await call((done) => {
      sftp.lstat(path, (error) => {
        done(error);
      });
    });
    return true;
  } catch {
    return false;
  }
}
