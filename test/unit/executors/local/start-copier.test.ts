import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { parseOutputRecord } from "../../../../src/executors/local/output-record.ts";
import { startCopier, type CopierFiles } from "../../../../src/executors/local/start-copier.ts";
import { useTempDirs } from "../../../helpers/temp-dir.ts";

const tempDir = useTempDirs();

/** Runs `script` as spawnLocal runs a job, its output through a copier; resolves once the copier wrote its end. */
async function runThroughCopier(script: string): Promise<CopierFiles> {
  const dir = tempDir();
  const files = {
    stdout: join(dir, "stdout.log"),
    stderr: join(dir, "stderr.log"),
    output: join(dir, "output.log"),
  };
  const copier = await startCopier(files);
  try {
    spawn("/bin/sh", ["-c", script], { stdio: ["ignore", copier.stdoutFd, copier.stderrFd] });
  } finally {
    copier.close();
  }
  // Wait on the condition (the end marker), not on a clock; the deadline only turns a hang into a failure.
  const deadline = Date.now() + 10_000;
  while (!readFileSync(files.output, "utf8").endsWith(" end\n")) {
    if (Date.now() > deadline) throw new Error(`no end marker in ${readFileSync(files.output, "utf8")}`);
    await sleep(10);
  }
  return files;
}

function records(files: CopierFiles): string[] {
  return readFileSync(files.output, "utf8")
    .split("\n")
    .slice(0, -1)
    .map((line) => {
      const record = parseOutputRecord(line);
      if (record === undefined) throw new Error(`not a record: ${line}`);
      return record.kind === "end" ? "end" : `${record.stream}: ${record.text}`;
    });
}

describe("startCopier", () => {
  it("writes both streams in the order they arrive, then the end marker", async () => {
    const files = await runThroughCopier(
      "echo out 1; echo err 1 >&2; sleep 0.05; echo out 2; echo err 2 >&2",
    );
    expect(records(files)).toEqual([
      "stdout: out 1",
      "stderr: err 1",
      "stdout: out 2",
      "stderr: err 2",
      "end",
    ]);
  });

  it.each([
    ["a last line without a newline", "printf 'a\\nno newline'", ["stdout: a", "stdout: no newline", "end"]],
    ["CRLF endings", "printf 'a\\r\\nb\\r\\n'", ["stdout: a", "stdout: b", "end"]],
    ["empty lines", "printf 'a\\n\\nb\\n'", ["stdout: a", "stdout: ", "stdout: b", "end"]],
    ["no output at all", "true", ["end"]],
    ["a write to /dev/stdout (a real pipe, not a socket)", "echo via > /dev/stdout", ["stdout: via", "end"]],
  ])("handles %s", async (_name, script, expected) => {
    expect(records(await runThroughCopier(script))).toEqual(expected);
  });

  it("keeps stdout.log and stderr.log byte for byte, invalid UTF-8 included", async () => {
    const files = await runThroughCopier("printf 'x\\377y\\r\\nz'; printf 'e\\n' >&2");
    expect(readFileSync(files.stdout)).toEqual(Buffer.from([0x78, 0xff, 0x79, 0x0d, 0x0a, 0x7a]));
    expect(readFileSync(files.stderr, "utf8")).toBe("e\n");
  });

  it("makes the log files private", async () => {
    const files = await runThroughCopier("echo hi");
    for (const path of [files.stdout, files.stderr, files.output])
      expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(files.stdout, "utf8")).toBe("hi\n");
  });

  it("fails with SPAWN_FAILED when the copier cannot start", async () => {
    const dir = tempDir();
    const files = { stdout: join(dir, "o"), stderr: join(dir, "e"), output: join(dir, "output.log") };
    await expect(startCopier(files, join(dir, "no-such-node"))).rejects.toThrow(
      expect.objectContaining({ code: "SPAWN_FAILED" }),
    );
    expect(existsSync(files.output)).toBe(true);
  });
});
