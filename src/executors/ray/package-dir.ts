import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { SlipwayError } from "../../errors.ts";
import { zipFiles, type ZipEntry } from "./zip-files.ts";

/** A directory packed for Ray: its content-hash URI (what `ray job submit` would name it) and the zip. */
export interface RayPackage {
  readonly uri: string;
  readonly zip: Buffer;
  readonly files: number;
}

/**
 * Packs a `working_dir`: the files git would keep (tracked and untracked, `.gitignore` honoured) when the directory
 * is in a git work tree, else every file but `.git/`; minus `excludes` (gitignore-style globs). The name is a hash
 * of paths, modes and contents, so an unchanged directory maps to a package Ray already has.
 *
 * @example
 * ```ts
 * const pkg = packageDirectory("/work/repo", ["data/", "*.ckpt"]);
 * pkg.uri; // "gcs://_ray_pkg_3f2a….zip"
 * ```
 */
export function packageDirectory(dir: string, excludes: readonly string[]): RayPackage {
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory() !== true) {
    throw new SlipwayError("RECIPE_INVALID", `working_dir ${dir} does not exist or is not a directory`, {
      hint: "set working_dir in the ray profile to the directory to upload",
    });
  }
  const matchers = excludes.map(globMatcher);
  const paths = listFiles(dir)
    .filter((path) => !matchers.some((matches) => matches(path)))
    .sort();
  const entries: ZipEntry[] = paths.map((path) => {
    const file = join(dir, path);
    return { path, data: readFileSync(file), mode: statSync(file).mode & 0o777 };
  });
  return packageOf(entries);
}

/**
 * A package of the given entries, named by their content hash.
 *
 * @example
 * ```ts
 * packageOf([{ path: "a.txt", data: Buffer.from("a"), mode: 0o600 }]).uri;
 * ```
 */
export function packageOf(entries: readonly ZipEntry[]): RayPackage {
  const hash = createHash("sha1");
  for (const entry of entries) {
    hash.update(`${entry.path}\0${entry.mode.toString(8)}\0${entry.data.length}\0`);
    hash.update(entry.data);
  }
  return { uri: `gcs://_ray_pkg_${hash.digest("hex")}.zip`, zip: zipFiles(entries), files: entries.length };
}

function listFiles(dir: string): string[] {
  const git = spawnSync("git", ["-C", dir, "ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    encoding: "utf8",
  });
  if (git.status === 0) {
    // Deleted-but-tracked files are still listed by --cached: keep only what exists.
    return git.stdout.split("\0").filter((path) => path !== "" && isFile(join(dir, path)));
  }
  const walk = (current: string): string[] =>
    readdirSync(current, { withFileTypes: true }).flatMap((entry) => {
      const path = join(current, entry.name);
      if (entry.isDirectory()) return entry.name === ".git" ? [] : walk(path);
      return entry.isFile() ? [relative(dir, path).split(sep).join("/")] : [];
    });
  return walk(dir);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * A gitignore-style matcher for one pattern: `data/` (a directory anywhere), `*.ckpt` (a name anywhere),
 * `logs/**` or `src/gen` (anchored at the root when it holds a `/` before its end).
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  const directory = pattern.endsWith("/");
  const body = pattern.replace(/^\/|\/$/g, "");
  const anchored = body.includes("/");
  const regex = new RegExp(
    `^${body
      .split(/(\*\*|\*|\?)/)
      .map((part) =>
        part === "**"
          ? ".*"
          : part === "*"
            ? "[^/]*"
            : part === "?"
              ? "[^/]"
              : part.replace(/[.+^${}()|[\]\\]/g, "\\$&"),
      )
      .join("")}$`,
  );
  return (path) => {
    const segments = path.split("/");
    if (anchored) {
      return segments.some(
        (_, i) => regex.test(segments.slice(0, i + 1).join("/")) && (!directory || i < segments.length - 1),
      );
    }
    return segments.some((segment, i) => regex.test(segment) && (!directory || i < segments.length - 1));
  };
}
