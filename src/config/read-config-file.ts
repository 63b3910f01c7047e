import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from "node:fs";
import { ConfigError } from "../errors.ts";

/**
 * Reads a config file as UTF-8, refusing anything but a regular file: a FIFO would block until some process writes
 * to it (forever, as a rule) and a device such as /dev/zero never ends. The check is made on the open file, so a file
 * swapped after the search found it cannot slip through.
 *
 * @throws ConfigError `CONFIG_READ` naming the file and what it is instead; the `fs` error when it cannot be opened.
 * @example
 * ```ts
 * readConfigFile("/repo/env.toml"); // '[local]\nexecutor = "local"\n'
 * readConfigFile("/tmp/fifo"); // /tmp/fifo: cannot read the config file: it is a FIFO (named pipe), not a regular file
 * ```
 */
export function readConfigFile(path: string): string {
  // Non-blocking, so that opening a FIFO with no writer returns at once instead of waiting for one.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw new ConfigError(
        "CONFIG_READ",
        `${path}: cannot read the config file: it is ${kindOf(stats)}, not a regular file`,
        { file: path },
      );
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "something else";
}
