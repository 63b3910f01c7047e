import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeWithEngine, dockerDaemon } from "../helpers/engine.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

// The job's own pauses give its writes distinct times, as a real program's would; the test never waits on a clock.
const ALTERNATING = "echo out 1; sleep 0.2; echo err 1 >&2; sleep 0.2; echo out 2; sleep 0.2; echo err 2 >&2";

type Opts = { env: Record<string, string>; cwd: string };

function finished(opts: Opts, profile: string): string {
  const result = runCli(["launch", "-p", profile, "--detach", "--", "sh", "-c", ALTERNATING], opts);
  expect(result.status, result.stderr).toBe(0);
  const id = result.stdout.trim();
  expect(runCli(["wait", id], opts).status).toBe(0);
  return id;
}

function jsonLines(text: string): { stream: string; line: string; time?: string }[] {
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { stream: string; line: string; time?: string });
}

function checkOrderedLogs(opts: Opts, profile: string): void {
  const id = finished(opts, profile);
  const json = runCli(["logs", "--json", id], opts);
  expect(json.status, json.stderr).toBe(0);
  const entries = jsonLines(json.stdout);
  expect(entries.map(({ stream, line }) => ({ stream, line }))).toEqual([
    { stream: "stdout", line: "out 1" },
    { stream: "stderr", line: "err 1" },
    { stream: "stdout", line: "out 2" },
    { stream: "stderr", line: "err 2" },
  ]);
  for (const entry of entries) expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const plain = runCli(["logs", id], opts);
  expect(plain.stdout).toBe("out 1\nout 2\n");
  expect(plain.stderr).toBe("err 1\nerr 2\n");

  const tail = runCli(["logs", "--json", "--tail", "3", id], opts);
  expect(jsonLines(tail.stdout).map((entry) => entry.line)).toEqual(["err 1", "out 2", "err 2"]);

  const stamped = runCli(["logs", "--timestamps", "--stream", "stdout", id], opts);
  expect(stamped.stdout).toBe(`${entries[0]?.time} out 1\n${entries[2]?.time} out 2\n`);

  const since = runCli(["logs", "--json", "--since", entries[2]?.time ?? "", id], opts);
  expect(jsonLines(since.stdout).map((entry) => entry.line)).toEqual(["out 2", "err 2"]);
  const recent = runCli(["logs", "--json", "--since", "1h", id], opts);
  expect(jsonLines(recent.stdout)).toHaveLength(4);
}

describe("slipway logs on local jobs", () => {
  it("shows stdout and stderr in write order, with --json, --tail, --timestamps and --since", () => {
    const box = makeSandbox(tempDir());
    checkOrderedLogs({ env: box.env, cwd: box.root }, "local");
  });

  it("filters one stream with --stream and follows a running job in order with -f", () => {
    const box = makeSandbox(tempDir());
    const opts = { env: box.env, cwd: box.root };
    const launched = runCli(["launch", "-p", "local", "--detach", "--", "sh", "-c", ALTERNATING], opts);
    expect(launched.status, launched.stderr).toBe(0);
    const id = launched.stdout.trim();
    // Started while the job runs; ends once the job has ended and all of its output is read.
    const followed = runCli(["logs", "-f", "--json", id], opts);
    expect(followed.status, followed.stderr).toBe(0);
    expect(jsonLines(followed.stdout).map(({ stream, line }) => `${stream}: ${line}`)).toEqual([
      "stdout: out 1",
      "stderr: err 1",
      "stdout: out 2",
      "stderr: err 2",
    ]);
    const stderr = runCli(["logs", "--stream", "stderr", id], opts);
    expect(stderr.status, stderr.stderr).toBe(0);
    expect(stderr.stdout).toBe("");
    expect(stderr.stderr).toBe("err 1\nerr 2\n");
  });

  // Jobs launched before the ordered log existed have only one file per stream: read side by side, no times.
  it("reads a job without output.log per stream, says it keeps no times, and --tail still works", () => {
    const box = makeSandbox(tempDir());
    const opts = { env: box.env, cwd: box.root };
    const id = finished(opts, "local");
    rmSync(join(box.slipwayHome, "jobs", id, "output.log"));
    const result = runCli(["logs", "--timestamps", "--since", "1h", id], opts);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe("out 1\nout 2\n");
    expect(result.stderr).toBe(
      `note: the local logs of ${id} keep no time per line, so --since and --timestamps cannot apply: every line is shown\nerr 1\nerr 2\n`,
    );
    const tail = runCli(["logs", "--tail", "1", "--stream", "stdout", id], opts);
    expect(tail.stdout).toBe("out 2\n");
    const json = runCli(["logs", "--json", "--stream", "stdout", id], opts);
    expect(jsonLines(json.stdout)).toEqual([
      { stream: "stdout", line: "out 1" },
      { stream: "stdout", line: "out 2" },
    ]);
  });

  it("rejects a bad --since or --tail with exit 2 and a hint", () => {
    const box = makeSandbox(tempDir());
    const opts = { env: box.env, cwd: box.root };
    const since = runCli(["logs", "--since", "yesterday"], opts);
    expect(since.status).toBe(2);
    expect(since.stderr).toContain("error: --since yesterday: expected an age like 30m, 2h or 7d");
    expect(since.stderr).toContain("hint: for example --since 1d");
    expect(runCli(["logs", "--tail", "-1"], opts).status).toBe(2);
  });
});

describeWithEngine("slipway logs on docker", dockerDaemon(), () => {
  it("shows stdout and stderr in write order, with --json, --tail, --timestamps and --since", () => {
    const toml = `[wandb]\nmode = "offline"\n\n[box]\nexecutor = "docker"\nimage = "slipway-test/busybox:latest"\npull = "never"\n`;
    const box = makeSandbox(tempDir(), toml, {});
    checkOrderedLogs({ env: box.env, cwd: box.root }, "box");
  });
});
