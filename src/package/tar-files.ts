import { gzipSync } from "node:zlib";
import type { CodeEntry } from "./code-package.ts";

const BLOCK = 512;

/** How {@link tarFiles} writes: a path prefix for every entry (`slipway/code/`) and the files' time. */
export interface TarOptions {
  /** Prepended to every path; its directories are written too. Ends with `/` (or is empty). */
  readonly prefix?: string;
  /** Seconds since the epoch, given to every entry (default 0), so the same files make the same bytes. */
  readonly mtime?: number;
  /** Numeric owner of every entry (default 0:0), e.g. a container's non-root user. */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * A POSIX tar archive (ustar, with pax headers for paths of more than 100 bytes) of the given entries, their parent
 * directories first (0755), owned by uid/gid 0, every time `mtime`. Deterministic: the same entries give the same
 * bytes. What `tar -x`, Docker's archive upload and Python's tarfile read.
 *
 * @example
 * ```ts
 * const tar = tarFiles([{ path: "code/train.py", kind: "file", mode: 0o644, data: Buffer.from("print(1)\n") }]);
 * ```
 */
export function tarFiles(entries: readonly CodeEntry[], options: TarOptions = {}): Buffer {
  const prefix = options.prefix ?? "";
  const mtime = options.mtime ?? 0;
  const owner = { uid: options.uid ?? 0, gid: options.gid ?? 0 };
  const blocks: Buffer[] = [];
  const directories = new Set<string>();
  const addDirectories = (path: string): void => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join("/")}/`;
      if (directories.has(dir)) continue;
      directories.add(dir);
      blocks.push(...record({ path: dir, type: "5", mode: 0o755, size: 0, link: "", mtime, ...owner }));
    }
  };
  for (const entry of entries) {
    const path = `${prefix}${entry.path}`;
    addDirectories(path);
    if (entry.kind === "symlink") {
      const link = entry.data.toString("utf8");
      blocks.push(...record({ path, type: "2", mode: 0o777, size: 0, link, mtime, ...owner }));
    } else {
      const size = entry.data.length;
      blocks.push(...record({ path, type: "0", mode: entry.mode, size, link: "", mtime, ...owner }));
      blocks.push(entry.data, padding(entry.data.length));
    }
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(blocks);
}

/**
 * {@link tarFiles}, gzip'd.
 *
 * @example
 * ```ts
 * writeFileSync("code.tar.gz", tarGz(pkg.entries, { mtime: pkg.mtime }));
 * ```
 */
export function tarGz(entries: readonly CodeEntry[], options: TarOptions = {}): Buffer {
  return gzipSync(tarFiles(entries, options), { level: 6 });
}

interface Header {
  readonly path: string;
  /** `0` file, `2` symlink, `5` directory, `x` pax extended header. */
  readonly type: string;
  readonly mode: number;
  readonly size: number;
  readonly link: string;
  readonly mtime: number;
  readonly uid: number;
  readonly gid: number;
}

/** The header blocks of one entry: a pax header first when its path or link does not fit ustar's fields. */
function record(header: Header): Buffer[] {
  const pax: string[] = [];
  if (Buffer.byteLength(header.path) > 100) pax.push(paxRecord("path", header.path));
  if (Buffer.byteLength(header.link) > 100) pax.push(paxRecord("linkpath", header.link));
  if (pax.length === 0) return [ustar(header)];
  const body = Buffer.from(pax.join(""), "utf8");
  const short = (value: string): string => Buffer.from(value).subarray(0, 99).toString("latin1");
  return [
    ustar({ ...header, path: "././@PaxHeader", type: "x", mode: 0o644, size: body.length, link: "" }),
    body,
    padding(body.length),
    ustar({ ...header, path: short(header.path), link: short(header.link) }),
  ];
}

/** `"<length> <key>=<value>\n"`, the length counting itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = Buffer.byteLength(rest);
  let length = restBytes + 1;
  while (String(length).length + restBytes !== length) length = String(length).length + restBytes;
  return `${length}${rest}`;
}

function ustar(header: Header): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(header.path, 0, 100, "utf8");
  octal(block, 100, 8, header.mode);
  octal(block, 108, 8, header.uid);
  octal(block, 116, 8, header.gid);
  octal(block, 124, 12, header.size);
  octal(block, 136, 12, header.mtime);
  block.write(" ".repeat(8), 148, 8, "latin1");
  block.write(header.type, 156, 1, "latin1");
  block.write(header.link, 157, 100, "utf8");
  block.write("ustar\u000000", 257, 8, "latin1");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "latin1");
  return block;
}

function octal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, "0")}\u0000`, offset, width, "latin1");
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}
