import { execFileSync } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ResolvedProfile } from "../../../src/config/types.ts";
import { SlipwayError } from "../../../src/errors.ts";
import { choosePackage } from "../../../src/package/choose-package.ts";
import { describeCode, packedFor } from "../../../src/package/code-package.ts";
import { isGitWorkTree, packCode } from "../../../src/package/pack-code.ts";
import { tarFiles, tarGz } from "../../../src/package/tar-files.ts";
import { writeTree } from "../../../src/package/write-tree.ts";
import { LOCAL_PROFILE } from "../../helpers/fixtures.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
const options = { allowDirty: false, excludes: [], env: GIT_ENV };

function git(dir: string, ...args: string[]): string {
  return execFileSync(
    "git",
    ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", "-C", dir, ...args],
    { encoding: "utf8", env: GIT_ENV },
  );
}

/** A project: code/train.py, data/input.txt, an ignored checkpoint, an untracked note, a long path, a symlink. */
function project(): string {
  const root = realpathSync(tempDir("slipway-project-"));
  git(root, "init", "-q");
  mkdirSync(join(root, "code"));
  writeFileSync(join(root, "code", "train.py"), "print('train')\n");
  writeFileSync(join(root, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
  mkdirSync(join(root, "data"));
  writeFileSync(join(root, "data", "input.txt"), "42\n");
  writeFileSync(join(root, ".gitignore"), "*.ckpt\n");
  symlinkSync("code/train.py", join(root, "latest.py"));
  const deep = join(root, "a".repeat(60), "b".repeat(60));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, "deep.txt"), "deep\n");
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", "first");
  writeFileSync(join(root, "model.ckpt"), "weights");
  writeFileSync(join(root, "notes.txt"), "untracked\n");
  return root;
}

/** Unpacks with the system tar and lists every file (content) and symlink (-> target). */
function unpacked(tar: Buffer): Record<string, string> {
  const out = tempDir("slipway-unpacked-");
  execFileSync("tar", ["-xf", "-", "-C", out], { input: tar });
  return listing(out);
}

function listing(dir: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const path of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    const stat = lstatSync(join(dir, path));
    if (stat.isSymbolicLink()) found[path] = `-> ${readlinkSync(join(dir, path))}`;
    else if (stat.isFile())
      found[path] = `${(stat.mode & 0o777).toString(8)} ${readFileSync(join(dir, path), "utf8")}`;
  }
  return found;
}

const DEEP = `${"a".repeat(60)}/${"b".repeat(60)}/deep.txt`;

describe("packCode dir", () => {
  it("ships the launch directory as git sees it: untracked kept, ignored left out, excludes applied", async () => {
    const root = project();
    const pkg = await packCode("dir", root, { ...options, excludes: ["data/"] });
    expect(pkg.summary).toMatchObject({ mode: "dir", source: root, subdir: "", files: 6 });
    expect(unpacked(tarFiles(pkg.entries, { prefix: "slipway/code/" }))).toEqual({
      "slipway/code/.gitignore": "644 *.ckpt\n",
      [`slipway/code/${DEEP}`]: "644 deep\n",
      "slipway/code/code/train.py": "644 print('train')\n",
      "slipway/code/latest.py": "-> code/train.py",
      "slipway/code/notes.txt": "644 untracked\n",
      "slipway/code/run.sh": "755 #!/bin/sh\n",
    });
  });

  it("names the tree by its content: the same files give the same hash, a change another", async () => {
    const root = project();
    const first = await packCode("dir", root, options);
    expect((await packCode("dir", root, options)).summary.hash).toBe(first.summary.hash);
    writeFileSync(join(root, "notes.txt"), "changed\n");
    expect((await packCode("dir", root, options)).summary.hash).not.toBe(first.summary.hash);
    expect(describeCode(first.summary)).toMatch(
      new RegExp(`^dir: 7 files, \\d+ B, sha256:[0-9a-f]{12} from ${root}$`),
    );
  });

  it("ships every file but .git/ outside a git work tree", async () => {
    const dir = realpathSync(tempDir("slipway-plain-"));
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, ".git", "HEAD"), "x");
    writeFileSync(join(dir, "a.py"), "a\n");
    expect(isGitWorkTree(dir, GIT_ENV)).toBe(false);
    const pkg = await packCode("dir", dir, options);
    expect(pkg.entries.map((entry) => entry.path)).toEqual(["a.py"]);
  });

  it("refuses a launch directory that does not exist, naming it", async () => {
    const missing = join(tempDir(), "gone");
    const error = await packCode("dir", missing, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).message).toBe(
      `package = "dir": ${missing} does not exist or is not a directory`,
    );
  });
});

describe("packCode git", () => {
  it("ships the committed tree from the repository root and runs in the launch directory's place", async () => {
    const root = project();
    git(root, "add", "-A"); // commit the note; the checkpoint stays ignored
    git(root, "commit", "-q", "-m", "note");
    const pkg = await packCode("git", join(root, "code"), options);
    expect(pkg.summary).toMatchObject({ mode: "git", source: root, subdir: "code", dirty: false, files: 7 });
    expect(Object.keys(unpacked(tarFiles(pkg.entries)))).toContain("data/input.txt");
  });

  it("refuses a dirty tree unless allowed", async () => {
    const root = project();
    await expect(packCode("git", root, options)).rejects.toThrow(/ships committed code only/);
    const pkg = await packCode("git", root, { ...options, allowDirty: true });
    expect(pkg.summary.dirty).toBe(true);
    expect(pkg.entries.map((entry) => entry.path)).toContain("notes.txt");
  });
});

describe("tar and tree writing", () => {
  it("gzips to what tar -xz reads, and writes the same tree to disk", async () => {
    const root = project();
    const pkg = await packCode("dir", root, options);
    const out = tempDir("slipway-tgz-");
    execFileSync("tar", ["-xzf", "-", "-C", out], { input: tarGz(pkg.entries, { mtime: pkg.mtime }) });
    const written = join(tempDir("slipway-tree-"), "code");
    writeTree(pkg.entries, written);
    expect(listing(written)).toEqual(listing(out));
    expect(listing(out)[DEEP]).toBe("644 deep\n");
  });

  it("gives each entry the owner asked for", () => {
    const entry = { path: "a.txt", kind: "file" as const, mode: 0o644, data: Buffer.from("a") };
    const listed = execFileSync("tar", ["-tvf", "-", "--numeric-owner"], {
      input: tarFiles([entry], { uid: 1000, gid: 1001 }),
      encoding: "utf8",
    });
    expect(listed).toMatch(/1000\/1001 .* a\.txt/);
  });

  it("refuses to submit other code than the plan was made for", async () => {
    const root = project();
    const pkg = await packCode("dir", root, options);
    expect(packedFor(pkg.summary, pkg)).toBe(pkg);
    expect(() => packedFor({ ...pkg.summary, hash: "0".repeat(64) }, pkg)).toThrow(
      /the plan ships code 000000000000/,
    );
    expect(() => packedFor(pkg.summary, undefined)).toThrow(/submit was given none/);
  });
});

describe("choosePackage", () => {
  const profile = (executor: "local" | "docker", extra: Partial<ResolvedProfile> = {}): ResolvedProfile =>
    (executor === "local"
      ? { ...LOCAL_PROFILE, ...extra }
      : { ...LOCAL_PROFILE, executor, ...extra }) as ResolvedProfile;

  it("runs local jobs in place by default", () => {
    const root = project();
    expect(choosePackage({ name: "t" }, profile("local"), root, GIT_ENV)).toEqual({
      mode: "none",
      dir: root,
      notice: undefined,
    });
  });

  it("ships the launch directory of other executors when it is a git work tree", () => {
    const root = project();
    expect(choosePackage({ name: "t" }, profile("docker"), join(root, "code"), GIT_ENV).mode).toBe("dir");
  });

  it("ships nothing outside a git work tree, and says so", () => {
    const dir = realpathSync(tempDir("slipway-plain-"));
    const choice = choosePackage({ name: "t" }, profile("docker"), dir, GIT_ENV);
    expect(choice.mode).toBe("none");
    expect(choice.notice).toContain(`${dir} is not in a git work tree, so no code is shipped`);
    expect(choice.notice).toContain('Set package = "dir" in profile "local"');
  });

  it("lets the recipe win over the profile, and the profile over the default", () => {
    const root = project();
    const git = profile("docker", { package: "git" });
    expect(choosePackage({ name: "t" }, git, root, GIT_ENV).mode).toBe("git");
    expect(choosePackage({ name: "t", package: "none" }, git, root, GIT_ENV).mode).toBe("none");
  });
});
