import { copyFile, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { CommandError, SlipwayError } from "../errors.ts";
import type { CodeEntry } from "./code-package.ts";

/** The user's code as `package = "git"` ships it. */
export interface GitPackage {
  /** The repository's files (from its root) as the commit, or the dirty snapshot, holds them. */
  readonly entries: readonly CodeEntry[];
  /** The commit's time (seconds), given to the archive's files. */
  readonly mtime: number;
  /** The commit HEAD was at; with `dirty`, the archive is that commit plus the working tree's changes. */
  readonly commit: string;
  /** True when the working tree had uncommitted changes (shipped only with `allowDirty`). */
  readonly dirty: boolean;
  /** Files in the archive (symlinks included, directories and submodules not). */
  readonly files: number;
  readonly repoRoot: string;
  /** The launch directory relative to `repoRoot`, with `/` separators; `""` at the root. */
  readonly subdir: string;
}

/** Uncommitted paths named in the "dirty working tree" error before "… and N more". */
const DIRTY_LISTED = 10;
/** Above this the archive is refused: it is code, not data. */
const MAX_TARBALL_BYTES = 1024 ** 3;

/**
 * Packs the git repository that `dir` is in: the tree of HEAD. A dirty working tree (changes, or untracked
 * files that are not ignored) is refused unless `allowDirty`; then the archive is the working tree as git sees it
 * (tracked files as they are on disk, deleted ones left out, untracked files that `.gitignore` does not exclude).
 * That snapshot is built with a temporary index and object directory, so the user's index and `.git/objects` are
 * never written. The same commit (or the same working tree on the same commit) gives the same entries.
 *
 * @example
 * ```ts
 * const pkg = await gitPackage(job.launchDir, { allowDirty: false, env: context.env });
 * console.log(`shipping ${pkg.files} files of ${pkg.commit.slice(0, 7)}${pkg.dirty ? "+dirty" : ""}`);
 * // the job then runs in <unpacked>/${pkg.subdir}
 * ```
 */
export async function gitPackage(
  dir: string,
  options: {
    readonly allowDirty: boolean;
    /** The launching machine's environment, git's own (PATH, HOME for its config, GIT_* settings). */
    readonly env: LaunchEnv;
  },
): Promise<GitPackage> {
  const git: Git = (cwd, args, gitOptions) => runGit(options.env, cwd, args, gitOptions);
  const isDirectory = await stat(dir).then(
    (s) => s.isDirectory(),
    () => undefined,
  );
  if (isDirectory !== true) {
    const what = isDirectory === undefined ? "does not exist" : "is not a directory";
    throw new SlipwayError("RECIPE_INVALID", `package = "git": the launch directory ${dir} ${what}`, {
      hint: "launch from inside your git repository",
    });
  }
  const [repoRoot, subdir] = await findRepo(git, dir);
  const head = await git(repoRoot, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { check: false });
  if (head.exitCode !== 0) {
    throw new SlipwayError(
      "RECIPE_INVALID",
      `package = "git" needs a commit: the repository ${repoRoot} has none yet`,
      {
        hint: "commit your code (git add -A && git commit), then launch again",
      },
    );
  }
  const commit = head.stdout.toString().trim();
  const changes = await uncommitted(git, repoRoot);
  if (changes.length === 0)
    return { ...(await treeEntries(git, repoRoot, commit, {})), commit, dirty: false, repoRoot, subdir };
  if (!options.allowDirty) throw dirtyError(repoRoot, changes);

  const scratch = await mkdtemp(join(tmpdir(), "slipway-git-"));
  try {
    const index = join(scratch, "index");
    const env = await scratchEnv(git, repoRoot, scratch, index, options.env);
    const userIndex = (await git(repoRoot, ["rev-parse", "--git-path", "index"])).stdout.toString().trim();
    // Starting from a copy of the user's index keeps its stat cache (unchanged files are not hashed again) and
    // its tracked-but-ignored files; `add --all` then brings in what is on disk.
    const copied = await copyFile(resolve(repoRoot, userIndex), index).then(
      () => true,
      () => false,
    );
    if (!copied) await git(repoRoot, ["read-tree", commit], { env });
    // A split index would write its shared part into the user's .git.
    await git(repoRoot, ["-c", "core.splitIndex=false", "add", "--all", "--", "."], { env });
    const tree = (await git(repoRoot, ["write-tree"], { env })).stdout.toString().trim();
    // A tree would be archived with the current time as every mtime; a commit with fixed dates makes the bytes
    // depend on the content only.
    const date = `${(await git(repoRoot, ["log", "-1", "--format=%ct", commit])).stdout.toString().trim()} +0000`;
    const identity = { NAME: "slipway", EMAIL: "slipway@localhost", DATE: date };
    for (const [key, value] of Object.entries(identity)) {
      env[`GIT_AUTHOR_${key}`] = value;
      env[`GIT_COMMITTER_${key}`] = value;
    }
    const message = `slipway: working tree on ${commit}`;
    const commitTree = ["commit-tree", "--no-gpg-sign", tree, "-p", commit, "-m", message];
    const snapshot = (await git(repoRoot, commitTree, { env })).stdout.toString().trim();
    return { ...(await treeEntries(git, repoRoot, snapshot, env)), commit, dirty: true, repoRoot, subdir };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The work tree's root and the prefix of `dir` in it. */
async function findRepo(git: Git, dir: string): Promise<[string, string]> {
  const found = await git(dir, ["rev-parse", "--show-toplevel", "--show-prefix"], { check: false });
  const [root = "", prefix = ""] = found.stdout.toString().split("\n");
  if (found.exitCode === 0 && root !== "") return [root, prefix.replace(/\/$/, "")];
  const said = found.stderr.trim().split("\n")[0] ?? "";
  const cause = new CommandError(
    "PACKAGE_FAILED",
    `${found.argv.join(" ")} failed (exit ${found.exitCode})`,
    {
      argv: found.argv,
      exitCode: found.exitCode,
      stderr: found.stderr,
    },
  );
  if (/not a git repository/i.test(said)) {
    throw new SlipwayError("RECIPE_INVALID", `package = "git" needs a git repository: ${dir} is not in one`, {
      hint: `launch from inside your git repository, or set package = "none" in the profile`,
      cause,
    });
  }
  // Dubious ownership, a .git directory itself, a bare repository, another locale: git's own words say more.
  throw new SlipwayError("RECIPE_INVALID", `package = "git": git cannot use ${dir} as a work tree: ${said}`, {
    hint: `launch from inside a git work tree you own, or set package = "none" in the profile`,
    cause,
  });
}

/** `git status --porcelain` lines (paths from the repository root), untracked but not ignored files included. */
async function uncommitted(git: Git, repoRoot: string): Promise<string[]> {
  // --no-optional-locks: status must not refresh (rewrite) the user's index; untracked files listed even when
  // status.showUntrackedFiles = no.
  const args = [
    "--no-optional-locks",
    "-c",
    "core.quotePath=false",
    "status",
    "--porcelain",
    "--untracked-files=normal",
  ];
  const { stdout } = await git(repoRoot, args);
  return stdout
    .toString()
    .split("\n")
    .filter((line) => line !== "");
}

function dirtyError(repoRoot: string, changes: readonly string[]): SlipwayError {
  const count = `${changes.length} uncommitted change${changes.length === 1 ? "" : "s"}`;
  const listed = changes.slice(0, DIRTY_LISTED).map((line) => `  ${line}`);
  if (changes.length > DIRTY_LISTED) listed.push(`  … and ${changes.length - DIRTY_LISTED} more`);
  return new SlipwayError(
    "RECIPE_INVALID",
    `package = "git" ships committed code only: ${repoRoot} has ${count}:\n${listed.join("\n")}`,
    { hint: "commit or stash them, or launch with --allow-dirty" },
  );
}

/** Environment for git commands that write only into `scratch`: its own index and object directory. */
async function scratchEnv(
  git: Git,
  repoRoot: string,
  scratch: string,
  index: string,
  launchEnv: LaunchEnv,
): Promise<Record<string, string>> {
  const objects = resolve(
    repoRoot,
    (await git(repoRoot, ["rev-parse", "--git-path", "objects"])).stdout.toString().trim(),
  );
  await mkdir(join(scratch, "objects"));
  const alternates = [objects, launchEnv["GIT_ALTERNATE_OBJECT_DIRECTORIES"]].filter(
    (d) => d !== undefined && d !== "",
  );
  return {
    GIT_INDEX_FILE: index,
    GIT_OBJECT_DIRECTORY: join(scratch, "objects"),
    GIT_ALTERNATE_OBJECT_DIRECTORIES: alternates.join(delimiter),
  };
}

/** Every file and symlink of a commit's tree with its mode and bytes; submodules are left out, as git archive does. */
async function treeEntries(
  git: Git,
  repoRoot: string,
  commit: string,
  env: Record<string, string>,
): Promise<{ entries: CodeEntry[]; files: number; mtime: number }> {
  const listing = (await git(repoRoot, ["ls-tree", "-r", "-z", commit], { env })).stdout
    .toString()
    .split("\0");
  // "<mode> <type> <object>\t<path>"; type "commit" is a submodule.
  const blobs = listing.flatMap((line) => {
    const [meta = "", path = ""] = line.split("\t");
    const [mode = "", type = "", object = ""] = meta.split(" ");
    return type === "blob" ? [{ mode, object, path }] : [];
  });
  const contents = await catBlobs(
    git,
    repoRoot,
    blobs.map((blob) => blob.object),
    env,
  );
  const entries = blobs.map((blob, i): CodeEntry => {
    const data = contents[i] ?? Buffer.alloc(0);
    if (blob.mode === "120000") return { path: blob.path, kind: "symlink", mode: 0o777, data };
    return { path: blob.path, kind: "file", mode: blob.mode === "100755" ? 0o755 : 0o644, data };
  });
  const time = (await git(repoRoot, ["log", "-1", "--format=%ct", commit], { env })).stdout.toString().trim();
  return { entries, files: entries.length, mtime: Number(time) };
}

/** The bytes of each object, in order, from one `git cat-file --batch`. */
async function catBlobs(
  git: Git,
  repoRoot: string,
  objects: readonly string[],
  env: Record<string, string>,
): Promise<Buffer[]> {
  if (objects.length === 0) return [];
  const out = (await git(repoRoot, ["cat-file", "--batch"], { env, input: `${objects.join("\n")}\n` }))
    .stdout;
  const blobs: Buffer[] = [];
  let at = 0;
  for (const object of objects) {
    const newline = out.indexOf(10, at);
    // "<object> blob <size>\n<bytes>\n"
    const [, type, size] = out.subarray(at, newline).toString().split(" ");
    if (type !== "blob") throw new SlipwayError("PACKAGE_FAILED", `git cat-file: ${object} is not a blob`);
    const start = newline + 1;
    blobs.push(out.subarray(start, start + Number(size)));
    at = start + Number(size) + 1;
  }
  return blobs;
}

interface GitResult {
  readonly argv: readonly string[];
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

/** The launching machine's environment, as the executor context gives it. */
type LaunchEnv = Readonly<Record<string, string | undefined>>;

/** Options of one git command: variables added to the launch environment, and whether a failure throws. */
interface GitOptions {
  readonly env?: Record<string, string>;
  /** Written to git's standard input. */
  readonly input?: string;
  readonly check?: boolean;
}

/** `git -C cwd …` in the launch environment. */
type Git = (cwd: string, args: readonly string[], options?: GitOptions) => Promise<GitResult>;

/**
 * Runs `git -C cwd …` (no shell) with the launch environment and `options.env` only (not this process's own).
 * Fails with a {@link CommandError} on a non-zero exit unless `check` is false.
 */
async function runGit(
  launchEnv: LaunchEnv,
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<GitResult> {
  const { execa } = await import("execa");
  const argv = ["git", "-C", cwd, ...args];
  const defined = Object.entries(launchEnv).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  const result = await execa("git", argv.slice(1), {
    env: { ...Object.fromEntries(defined), ...options.env },
    extendEnv: false,
    encoding: "buffer",
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    reject: false,
    maxBuffer: MAX_TARBALL_BYTES,
  });
  const stderr = Buffer.from(result.stderr).toString();
  if (result.isMaxBuffer) {
    throw new CommandError("PACKAGE_FAILED", `${argv.join(" ")} printed more than 1 GiB`, {
      argv,
      stderr,
      hint: "keep data and checkpoints out of git, or mark them export-ignore in .gitattributes",
    });
  }
  if (result.exitCode === undefined) {
    const missing = (result.cause as { code?: unknown } | undefined)?.code === "ENOENT";
    throw new CommandError(
      missing ? "COMMAND_NOT_FOUND" : "PACKAGE_FAILED",
      missing
        ? `package = "git" needs git, which is not on PATH`
        : `${argv.join(" ")}: ${result.shortMessage}`,
      { argv, stderr, hint: missing ? `install git, or set package = "none" in the profile` : undefined },
    );
  }
  if (result.exitCode !== 0 && options.check !== false) {
    throw new CommandError(
      "PACKAGE_FAILED",
      `${argv.join(" ")} failed (exit ${result.exitCode})${stderr.trim() === "" ? "" : `:\n${stderr.trim()}`}`,
      { argv, exitCode: result.exitCode, stderr },
    );
  }
  return { argv, stdout: Buffer.from(result.stdout), stderr, exitCode: result.exitCode };
}
