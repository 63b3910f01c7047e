import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { SlipwayError } from "../errors.ts";
import type { CodeEntry, CodePackage } from "./code-package.ts";
import { gitPackage } from "./git-package.ts";
import { globMatcher } from "./glob-matcher.ts";

/** Above this a shipped tree is refused: it is code, not data. */
const MAX_BYTES = 1024 ** 3;

/** What {@link packCode} needs besides the directory. */
export interface PackOptions {
  /** `git`: ship uncommitted changes instead of refusing them. */
  readonly allowDirty: boolean;
  /** gitignore-style patterns left out (`data/`, `*.ckpt`, `logs/**`). */
  readonly excludes: readonly string[];
  /** The launching machine's environment, for git. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The setting that named the directory (e.g. a ray profile's `working_dir`), for the error when it is missing. */
  readonly namedBy?: string;
}

/**
 * Packs a job's code. `git`: the committed tree of the repository `dir` is in (a dirty tree refused unless
 * `allowDirty`), the command running in `dir`'s place inside it. `dir`: `dir` itself as git sees it — tracked and
 * untracked files, ignored ones left out — or every file but `.git/` outside a work tree. Both less `excludes`.
 *
 * @example
 * ```ts
 * const pkg = await packCode("dir", "/home/me/proj", { allowDirty: false, excludes: ["data/"], env: process.env });
 * console.log(describeCode(pkg.summary)); // "dir: 12 files, 3.4 kB, sha256:… from /home/me/proj"
 * ```
 */
export async function packCode(mode: "git" | "dir", dir: string, options: PackOptions): Promise<CodePackage> {
  const excluded = options.excludes.map(globMatcher);
  const keep = (entry: CodeEntry): boolean => !excluded.some((matches) => matches(entry.path));
  if (mode === "git") {
    const pkg = await gitPackage(dir, options);
    const entries = pkg.entries.filter(keep);
    checkSize(entries, pkg.repoRoot);
    return {
      summary: {
        mode,
        source: pkg.repoRoot,
        subdir: pkg.subdir,
        ...totals(entries),
        commit: pkg.commit,
        dirty: pkg.dirty,
      },
      entries,
      mtime: pkg.mtime,
    };
  }
  const entries = dirEntries(dir, options).filter(keep);
  checkSize(entries, dir);
  return {
    summary: { mode, source: dir, subdir: "", ...totals(entries) },
    entries,
    mtime: Math.floor(Date.now() / 1000),
  };
}

/**
 * Whether `dir` is inside a git work tree (git missing counts as no).
 *
 * @example
 * ```ts
 * const mode = isGitWorkTree(job.launchDir, process.env) ? "dir" : "none";
 * ```
 */
export function isGitWorkTree(dir: string, env: Readonly<Record<string, string | undefined>>): boolean {
  // With no .git in `dir` or above it (and no GIT_DIR or GIT_WORK_TREE to say otherwise) git would answer no: saying
  // so without starting git spares a dry run a few ms.
  if (env["GIT_DIR"] === undefined && env["GIT_WORK_TREE"] === undefined && !hasGitAbove(resolve(dir)))
    return false;
  const result = spawnSync("git", ["-C", dir, "rev-parse", "--is-inside-work-tree"], {
    encoding: "utf8",
    env: definedEnv(env),
  });
  return result.status === 0 && result.stdout.trim() === "true";
}

/** Whether `dir` or a directory above it holds a `.git` (a repository, or the file of a linked work tree). */
function hasGitAbove(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return true;
    if (dirname(current) === current) return false;
  }
}

function totals(entries: readonly CodeEntry[]): { files: number; bytes: number; hash: string } {
  const hash = createHash("sha256");
  let bytes = 0;
  for (const entry of entries) {
    hash.update(`${entry.path}\0${entry.kind}\0${entry.mode.toString(8)}\0${entry.data.length}\0`);
    hash.update(entry.data);
    bytes += entry.data.length;
  }
  return { files: entries.length, bytes, hash: hash.digest("hex") };
}

function checkSize(entries: readonly CodeEntry[], source: string): void {
  const bytes = entries.reduce((sum, entry) => sum + entry.data.length, 0);
  if (bytes <= MAX_BYTES) return;
  throw new SlipwayError("RECIPE_INVALID", `the code to ship from ${source} is over 1 GiB`, {
    hint: 'leave data and checkpoints out with `excludes` (or .gitignore), or use package = "none"',
  });
}

/** The files of `dir` git would keep (sorted), or every file but `.git/` when `dir` is not in a work tree. */
function dirEntries(dir: string, options: PackOptions): CodeEntry[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) {
    const named = options.namedBy ?? 'package = "dir":';
    throw new SlipwayError("RECIPE_INVALID", `${named} ${dir} does not exist or is not a directory`, {
      hint:
        options.namedBy === undefined
          ? "launch from your project's directory"
          : `set ${options.namedBy} to an existing directory (relative paths start at the launch directory)`,
    });
  }
  return listPaths(dir, options.env)
    .sort()
    .flatMap((path): CodeEntry[] => {
      const full = join(dir, path);
      let stat;
      try {
        stat = lstatSync(full);
      } catch {
        return []; // listed by git, deleted on disk
      }
      if (stat.isSymbolicLink())
        return [{ path, kind: "symlink", mode: 0o777, data: Buffer.from(readlinkSync(full)) }];
      if (!stat.isFile()) return [];
      return [{ path, kind: "file", mode: stat.mode & 0o100 ? 0o755 : 0o644, data: readFileSync(full) }];
    });
}

function listPaths(dir: string, env: Readonly<Record<string, string | undefined>>): string[] {
  const git = spawnSync("git", ["-C", dir, "ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    encoding: "utf8",
    env: definedEnv(env),
    maxBuffer: 256 * 1024 * 1024,
  });
  if (git.status === 0) return [...new Set(git.stdout.split("\0").filter((path) => path !== ""))];
  const walk = (current: string): string[] =>
    readdirSync(current, { withFileTypes: true }).flatMap((entry) => {
      const path = join(current, entry.name);
      if (entry.isDirectory()) return entry.name === ".git" ? [] : walk(path);
      return entry.isFile() || entry.isSymbolicLink() ? [relative(dir, path).split(sep).join("/")] : [];
    });
  return walk(dir);
}

function definedEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
