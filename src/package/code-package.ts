import { SlipwayError } from "../errors.ts";

/** How a job's code reaches the engine: a profile's or recipe's `package`. */
export const PACKAGE_MODES = ["none", "git", "dir"] as const;

/**
 * How a job's code reaches the engine: `none` (it is already there: an image or a shared filesystem), `git` (the
 * committed tree of the launch directory's repository) or `dir` (the launch directory as git sees it).
 *
 * @example
 * ```ts
 * const mode: PackageMode = recipe.package ?? profile.package ?? "dir";
 * ```
 */
export type PackageMode = (typeof PACKAGE_MODES)[number];

/**
 * One file of a shipped tree: a regular file (its bytes and permission bits) or a symlink (its target as bytes).
 *
 * @example
 * ```ts
 * const entry: CodeEntry = { path: "code/train.py", kind: "file", mode: 0o644, data: Buffer.from("print(1)\n") };
 * ```
 */
export interface CodeEntry {
  /** Relative, with `/` separators. */
  readonly path: string;
  readonly kind: "file" | "symlink";
  /** Permission bits (`0o755`); symlinks are `0o777`. */
  readonly mode: number;
  /** The file's bytes, or the symlink's target. */
  readonly data: Buffer;
}

/**
 * What a job ships, as plain data: what a dry run shows and a plan reads. The bytes travel apart
 * ({@link CodePackage}), so plans and records stay small.
 *
 * @example
 * ```ts
 * const code: ShippedCode = job.code!;
 * console.log(`${code.files} files, ${code.bytes} bytes, sha256:${code.hash.slice(0, 12)}; runs in ./${code.subdir}`);
 * ```
 */
export interface ShippedCode {
  readonly mode: "git" | "dir";
  /** The local directory shipped: the repository's root for `git`, the launch directory for `dir`. */
  readonly source: string;
  /** Where the command runs inside the shipped tree, with `/` separators; `""` at its root. */
  readonly subdir: string;
  readonly files: number;
  /** Bytes of file contents. */
  readonly bytes: number;
  /** sha256 (hex) of every path, kind, mode and content: the same tree always gives the same hash. */
  readonly hash: string;
  /** `git`: the commit shipped (with `dirty`, the working tree on it). */
  readonly commit?: string;
  readonly dirty?: boolean;
}

/**
 * A packed tree: its summary and its files.
 *
 * @example
 * ```ts
 * const pkg: CodePackage = await packCode("dir", process.cwd(), { allowDirty: false, excludes: [], env: process.env });
 * const tarball = tarGz(pkg.entries, { prefix: "code/", mtime: pkg.mtime });
 * ```
 */
export interface CodePackage {
  readonly summary: ShippedCode;
  readonly entries: readonly CodeEntry[];
  /** Seconds since the epoch given to every file of an archive (the commit's time for `git`). */
  readonly mtime: number;
}

/**
 * `12 files, 3.4 kB, sha256:3f2a9c1b7d0e` — the line a dry run prints about what is shipped.
 *
 * @example
 * ```ts
 * describeCode(job.code!); // "git a1b2c3d (dirty): 12 files, 3.4 kB, sha256:3f2a9c1b7d0e from /home/me/proj"
 * ```
 */
export function describeCode(code: ShippedCode): string {
  const what =
    code.mode === "git"
      ? `git ${code.commit?.slice(0, 7) ?? "?"}${code.dirty === true ? " (dirty)" : ""}`
      : "dir";
  const files = `${code.files} file${code.files === 1 ? "" : "s"}`;
  return `${what}: ${files}, ${humanBytes(code.bytes)}, sha256:${code.hash.slice(0, 12)} from ${code.source}`;
}

/**
 * A byte count for people: `512 B`, `3.4 kB`, `12.0 MB` (powers of 1000).
 *
 * @example
 * ```ts
 * humanBytes(10_485_760); // "10.5 MB"
 * ```
 */
export function humanBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] ?? "GB"}`;
}

/**
 * The packed code a plan was made for: the core passes it to `submit` beside the plan. Throws when it is missing
 * or is another tree than the one planned (a plan reused with other code).
 *
 * @example
 * ```ts
 * const code = packedFor(plan.code.summary, options.code);
 * writeTree(code.entries, plan.code.dir);
 * ```
 */
export function packedFor(planned: ShippedCode, packed: CodePackage | undefined): CodePackage {
  if (packed?.summary.hash !== planned.hash) {
    throw new SlipwayError(
      "RECIPE_INVALID",
      packed === undefined
        ? `the plan ships code from ${planned.source}, but submit was given none`
        : `the plan ships code ${planned.hash.slice(0, 12)}, but submit was given ${packed.summary.hash.slice(0, 12)}`,
      { hint: "submit with the code package the plan was made for (launch() does this)" },
    );
  }
  return packed;
}
