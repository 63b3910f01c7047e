import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SlipwayError } from "../../../src/errors.ts";
import { gitPackage, type GitPackage } from "../../../src/package/git-package.ts";
import { tarGz } from "../../../src/package/tar-files.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

const tempDir = useTempDirs();

/** The launching machine's environment without its git config, for the tests' git and for gitPackage's. */
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };

/** Runs git in `dir` with a fixed identity and none of the machine's config, so tests do not depend on it. */
function git(dir: string, ...args: string[]): string {
  return execFileSync(
    "git",
    ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", "-C", dir, ...args],
    { encoding: "utf8", env: GIT_ENV },
  );
}

/** A committed repository: a script, an executable, a package, a symlink; plus an ignored file on disk. */
function cleanRepo(): string {
  const repo = realpathSync(tempDir("slipway-repo-"));
  git(repo, "init", "-q");
  writeFileSync(join(repo, "train.py"), "print('train')\n");
  writeFileSync(join(repo, "run.sh"), "#!/bin/sh\npython train.py\n", { mode: 0o755 });
  chmodSync(join(repo, "run.sh"), 0o755);
  mkdirSync(join(repo, "pkg", "sub"), { recursive: true });
  writeFileSync(join(repo, "pkg", "__init__.py"), "");
  writeFileSync(join(repo, "pkg", "sub", "model.py"), "MODEL = 1\n");
  symlinkSync("train.py", join(repo, "latest.py"));
  writeFileSync(join(repo, ".gitignore"), "*.ckpt\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "first");
  writeFileSync(join(repo, "model.ckpt"), "weights");
  return repo;
}

type Entry = { kind: "file"; content: string; executable: boolean } | { kind: "symlink"; target: string };

/** Unpacks the tarball with the system tar and describes every file and symlink in it. */
function unpack(tarball: Buffer): Record<string, Entry> {
  const out = tempDir("slipway-unpacked-");
  execFileSync("tar", ["-xzf", "-", "-C", out], { input: tarball });
  const entries: Record<string, Entry> = {};
  for (const path of readdirSync(out, { recursive: true, encoding: "utf8" }).sort()) {
    const full = join(out, path);
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) entries[path] = { kind: "symlink", target: readlinkSync(full) };
    else if (stat.isFile())
      entries[path] = {
        kind: "file",
        content: readFileSync(full, "utf8"),
        executable: (stat.mode & 0o100) !== 0,
      };
  }
  return entries;
}

/** The archive every executor ships (tar.gz, the commit's time on every file). */
const tarball = (pkg: GitPackage): Buffer => tarGz(pkg.entries, { mtime: pkg.mtime });

const file = (content: string, executable = false): Entry => ({ kind: "file", content, executable });

const COMMITTED: Record<string, Entry> = {
  ".gitignore": file("*.ckpt\n"),
  "latest.py": { kind: "symlink", target: "train.py" },
  "pkg/__init__.py": file(""),
  "pkg/sub/model.py": file("MODEL = 1\n"),
  "run.sh": file("#!/bin/sh\npython train.py\n", true),
  "train.py": file("print('train')\n"),
};

async function failure(promise: Promise<unknown>): Promise<SlipwayError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SlipwayError);
  return error as SlipwayError;
}

/** What must not change in the user's repository when it is packed. */
function repoState(repo: string): Record<string, string> {
  return {
    head: git(repo, "rev-parse", "HEAD"),
    staged: git(repo, "diff", "--cached", "--name-only"),
    status: git(repo, "status", "--porcelain"),
    index: createHash("sha256")
      .update(readFileSync(join(repo, ".git", "index")))
      .digest("hex"),
    objects: git(repo, "count-objects", "-v"),
  };
}

describe("gitPackage", () => {
  it("refuses a directory outside any git repository", async () => {
    const dir = tempDir();
    const error = await failure(gitPackage(dir, { allowDirty: false, env: GIT_ENV }));
    expect(error.code).toBe("RECIPE_INVALID");
    expect(error.message).toBe(`package = "git" needs a git repository: ${dir} is not in one`);
    expect(error.hint).toBe(`launch from inside your git repository, or set package = "none" in the profile`);
  });

  it("refuses a launch directory that does not exist", async () => {
    const dir = join(tempDir(), "gone");
    const error = await failure(gitPackage(dir, { allowDirty: false, env: GIT_ENV }));
    expect(error.code).toBe("RECIPE_INVALID");
    expect(error.message).toBe(`package = "git": the launch directory ${dir} does not exist`);
  });

  it("refuses a repository without commits", async () => {
    const repo = realpathSync(tempDir());
    git(repo, "init", "-q");
    writeFileSync(join(repo, "train.py"), "");
    const error = await failure(gitPackage(repo, { allowDirty: true, env: GIT_ENV }));
    expect(error.code).toBe("RECIPE_INVALID");
    expect(error.message).toBe(`package = "git" needs a commit: the repository ${repo} has none yet`);
    expect(error.hint).toBe("commit your code (git add -A && git commit), then launch again");
  });

  it("packs HEAD of a clean repository: contents, exec bits, symlinks; no ignored files", async () => {
    const repo = cleanRepo();
    const before = repoState(repo);
    const pkg = await gitPackage(repo, { allowDirty: false, env: GIT_ENV });
    expect(pkg).toMatchObject({
      commit: git(repo, "rev-parse", "HEAD").trim(),
      dirty: false,
      files: 6,
      repoRoot: repo,
      subdir: "",
    });
    expect(unpack(tarball(pkg))).toEqual(COMMITTED);
    expect(repoState(repo)).toEqual(before);
  });

  it("gives the same archive bytes for the same commit, with or without allowDirty", async () => {
    const repo = cleanRepo();
    const first = await gitPackage(repo, { allowDirty: false, env: GIT_ENV });
    const second = await gitPackage(repo, { allowDirty: true, env: GIT_ENV });
    expect(second.dirty).toBe(false);
    expect(tarball(second).equals(tarball(first))).toBe(true);
  });

  it.each([
    ["pkg", "pkg"],
    ["pkg/sub", "pkg/sub"],
  ])("packs the whole repository when launched from %s, with subdir %j", async (launch, subdir) => {
    const repo = cleanRepo();
    const pkg = await gitPackage(join(repo, launch), { allowDirty: false, env: GIT_ENV });
    expect(pkg.repoRoot).toBe(repo);
    expect(pkg.subdir).toBe(subdir);
    expect(unpack(tarball(pkg))).toEqual(COMMITTED);
  });

  it("refuses a dirty working tree, listing the changes", async () => {
    const repo = cleanRepo();
    writeFileSync(join(repo, "train.py"), "print('changed')\n");
    writeFileSync(join(repo, "notes.txt"), "untracked\n");
    rmSync(join(repo, "pkg", "__init__.py"));
    const error = await failure(gitPackage(join(repo, "pkg"), { allowDirty: false, env: GIT_ENV }));
    expect(error.code).toBe("RECIPE_INVALID");
    expect(error.message).toBe(
      [
        `package = "git" ships committed code only: ${repo} has 3 uncommitted changes:`,
        "   D pkg/__init__.py",
        "   M train.py",
        "  ?? notes.txt",
      ].join("\n"),
    );
    expect(error.hint).toBe("commit or stash them, or launch with --allow-dirty");
  });

  it("lists at most 10 changes", async () => {
    const repo = cleanRepo();
    for (let i = 10; i < 22; i++) writeFileSync(join(repo, `new${i}.py`), "");
    const error = await failure(gitPackage(repo, { allowDirty: false, env: GIT_ENV }));
    const lines = error.message.split("\n");
    expect(lines[0]).toBe(`package = "git" ships committed code only: ${repo} has 12 uncommitted changes:`);
    expect(lines.slice(1)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `  ?? new${i + 10}.py`),
      "  … and 2 more",
    ]);
  });

  it("with allowDirty ships the working tree as git sees it, leaving the user's repository as it was", async () => {
    const repo = cleanRepo();
    writeFileSync(join(repo, "train.py"), "print('changed, unstaged')\n");
    writeFileSync(join(repo, "pkg", "sub", "model.py"), "MODEL = 2\n");
    git(repo, "add", "pkg/sub/model.py");
    writeFileSync(join(repo, "pkg", "sub", "model.py"), "MODEL = 3\n");
    rmSync(join(repo, "pkg", "__init__.py"));
    writeFileSync(join(repo, "notes.txt"), "untracked\n");
    mkdirSync(join(repo, "tools"));
    writeFileSync(join(repo, "tools", "go.sh"), "#!/bin/sh\n", { mode: 0o755 });
    chmodSync(join(repo, "tools", "go.sh"), 0o755);
    writeFileSync(join(repo, "tools", "big.ckpt"), "ignored");
    const before = repoState(repo);

    const pkg = await gitPackage(repo, { allowDirty: true, env: GIT_ENV });
    expect(pkg).toMatchObject({ commit: before["head"]!.trim(), dirty: true, files: 7, subdir: "" });
    const { "pkg/__init__.py": deleted, ...kept } = COMMITTED;
    expect(deleted).toBeDefined();
    expect(unpack(tarball(pkg))).toEqual({
      ...kept,
      "notes.txt": file("untracked\n"),
      "pkg/sub/model.py": file("MODEL = 3\n"),
      "tools/go.sh": file("#!/bin/sh\n", true),
      "train.py": file("print('changed, unstaged')\n"),
    });
    expect(repoState(repo)).toEqual(before);

    const again = await gitPackage(repo, { allowDirty: true, env: GIT_ENV });
    expect(tarball(again).equals(tarball(pkg))).toBe(true);
  });
});
