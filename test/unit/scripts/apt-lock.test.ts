import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../../helpers/temp-dir.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const SCRIPTS = join(ROOT, "scripts");
const HELPER = join(SCRIPTS, "lib", "apt.sh");
const tempDir = useTempDirs();

function shellScripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return shellScripts(path);
    return entry.name.endsWith(".sh") ? [path] : [];
  });
}

// A line as the shell runs it, near enough: no comments, no quoted text (`say "apt-get update"` runs no apt-get).
function code(line: string): string {
  return line
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/'[^']*'/g, "''")
    .replace(/(^|\s)#.*$/, "$1");
}

// apt-get, apt, aptitude and dpkg take the dpkg and apt locks; apt-cache and dpkg-query only read.
const LOCKING_COMMAND = /(?:^|[\s;&|({!])(apt-get|apt|aptitude|dpkg)(?=\s|$)/;

describe("scripts wait for the apt and dpkg locks", () => {
  it("run every apt-get through apt_get of scripts/lib/apt.sh", () => {
    const offenders = shellScripts(SCRIPTS)
      .filter((path) => path !== HELPER)
      .flatMap((path) =>
        readFileSync(path, "utf8")
          .split("\n")
          .flatMap((line, i) => {
            const match = LOCKING_COMMAND.exec(code(line));
            return match === null ? [] : [`${relative(ROOT, path)}:${i + 1}: ${match[1]} (${line.trim()})`];
          }),
      );
    expect(offenders).toEqual([]);
  });

  it("source scripts/lib/apt.sh wherever apt_get is called", () => {
    const missing = shellScripts(SCRIPTS)
      .filter((path) => path !== HELPER)
      .filter((path) => {
        const text = readFileSync(path, "utf8");
        const calls = text.split("\n").some((line) => /(?:^|[\s;&|({!])apt_get(?=\s|$)/.test(code(line)));
        return calls && !/^\s*(?:\.|source)\s.*\blib\/apt\.sh"?$/m.test(text);
      })
      .map((path) => relative(ROOT, path));
    expect(missing).toEqual([]);
  });
});

describe("apt_get", () => {
  const LOCKED = "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)";

  /** Runs `apt_get args` with a fake apt-get that prints `stderr` and exits 100 for its first `failures` runs. */
  function run(args: readonly string[], fake: { failures: number; stderr: string }, timeout = "30") {
    const dir = tempDir();
    const log = join(dir, "calls");
    const apt = join(dir, "apt-get");
    writeFileSync(
      apt,
      [
        "#!/bin/sh",
        `echo "$*" >>'${log}'`,
        `[ "$(wc -l <'${log}')" -gt ${fake.failures} ] && { echo done; exit 0; }`,
        `echo '${fake.stderr}' >&2`,
        "exit 100",
      ].join("\n"),
    );
    chmodSync(apt, 0o755);
    const result = spawnSync(
      "bash",
      ["-c", `set -euo pipefail; source '${HELPER}'; apt_get "$@"`, "bash", ...args],
      {
        encoding: "utf8",
        // stdin not a socket: bash reads ~/.bashrc when it looks started by a remote shell daemon.
        stdio: ["ignore", "pipe", "pipe"],
        env: { PATH: `${dir}:${process.env["PATH"] ?? "/usr/bin:/bin"}`, SLIPWAY_APT_LOCK_TIMEOUT: timeout },
        timeout: 20_000,
      },
    );
    const calls = readFileSync(log, "utf8").trim().split("\n");
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  }

  it("waits for a lock that apt-get itself does not wait for, then runs", () => {
    const result = run(["update", "-qq"], { failures: 1, stderr: LOCKED });
    expect(result).toEqual({
      status: 0,
      stdout: "done\n",
      stderr: "apt-get: another apt-get or dpkg holds a lock; waiting up to 30 s\n",
      calls: [
        "-o DPkg::Lock::Timeout=30 update -qq",
        expect.stringMatching(/^-o DPkg::Lock::Timeout=(29|30) update -qq$/),
      ],
    });
  }, 10_000);

  it("gives up when the wait is over, with apt-get's own error and exit code", () => {
    const result = run(["install", "-y", "curl"], { failures: 99, stderr: LOCKED }, "0");
    expect(result).toEqual({
      status: 100,
      stdout: "",
      stderr: `${LOCKED}\n`,
      calls: ["-o DPkg::Lock::Timeout=0 install -y curl"],
    });
  }, 10_000);

  it("does not retry other failures", () => {
    const result = run(["install", "-y", "nope"], {
      failures: 99,
      stderr: "E: Unable to locate package nope",
    });
    expect(result).toEqual({
      status: 100,
      stdout: "",
      stderr: "E: Unable to locate package nope\n",
      calls: ["-o DPkg::Lock::Timeout=30 install -y nope"],
    });
  }, 10_000);
});
