import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

function sandbox() {
  const box = makeSandbox(tempDir());
  return { box, opts: { env: box.env, cwd: box.root } };
}

function readdirJobs(home: string): string[] {
  const dir = join(home, "jobs");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort();
}

function launchDone(opts: { env: Record<string, string>; cwd: string }, ...command: string[]): string {
  const result = runCli(["launch", "--detach", "--", ...command], opts);
  expect(result.status, result.stderr).toBe(0);
  const id = result.stdout.trim();
  runCli(["logs", "-f", id], opts);
  return id;
}

describe("slipway rm and prune", () => {
  it("rm removes an ended job's record and logs; --save-logs copies them first", () => {
    const { box, opts } = sandbox();
    const id = launchDone(opts, "sh", "-c", "echo kept; echo also >&2");
    const saved = join(tempDir(), "saved");
    const result = runCli(["rm", "--save-logs", saved, id], opts);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe(`slipway: ${id}: removed (logs saved to ${join(saved, id)})\n`);
    expect(readFileSync(join(saved, id, "stdout.log"), "utf8")).toBe("kept\n");
    expect(readFileSync(join(saved, id, "stderr.log"), "utf8")).toBe("also\n");
    expect(existsSync(join(box.slipwayHome, "jobs", id))).toBe(false);
    expect(runCli(["status", id], opts).status).toBe(2);
  });

  it("rm removes a launch refused before it started", () => {
    const { box, opts } = sandbox();
    const refused = runCli(["launch", "--", "no-such-program-xyz"], opts);
    expect(refused.status).toBe(2);
    const [id] = readdirJobs(box.slipwayHome);
    expect(id).toBeDefined();
    const result = runCli(["rm", id ?? ""], opts);
    expect(result.stderr).toBe(`slipway: ${id}: removed\n`);
    expect(readdirJobs(box.slipwayHome)).toEqual([]);
  });

  it("rm refuses a running job with exit 2 and removes the others; cleanup of a running job exits 1", () => {
    const { box, opts } = sandbox();
    const done = launchDone(opts, "true");
    const running = runCli(["launch", "--detach", "--", "sleep", "30"], opts).stdout.trim();
    const result = runCli(["rm", running, done], opts);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `error: cannot remove ${running}: still running; cancel it first (slipway cancel ${running})\n` +
        `slipway: ${done}: removed\n` +
        "hint: only ended jobs are removed; slipway list shows their states\n",
    );
    expect(readdirJobs(box.slipwayHome)).toEqual([running]);
    const cleanup = runCli(["cleanup", running], opts);
    expect(cleanup.status).toBe(1);
    expect(cleanup.stderr).toBe(`slipway: ${running}: still running; cancel it first\n`);
    expect(runCli(["cancel", running], opts).status).toBe(0);
  });

  it("prune --state failed removes failed jobs only; --older-than keeps what is newer", () => {
    const { box, opts } = sandbox();
    const ok = launchDone(opts, "true");
    const bad = launchDone(opts, "sh", "-c", "exit 3");
    const none = runCli(["prune", "--older-than", "7d"], opts);
    expect(none.status).toBe(0);
    expect(none.stderr).toBe("slipway: nothing to prune\n");
    const pruned = runCli(["prune", "--state", "failed"], opts);
    expect(pruned.status, pruned.stderr).toBe(0);
    expect(pruned.stderr).toBe(`slipway: ${bad}: removed\nslipway: removed 1 job(s)\n`);
    expect(readdirJobs(box.slipwayHome)).toEqual([ok]);
    expect(runCli(["prune", "--dry-run"], opts).stderr).toContain(`slipway: would remove ${ok} (succeeded, `);
    expect(readdirJobs(box.slipwayHome)).toEqual([ok]);
    expect(runCli(["prune"], opts).stderr).toBe(`slipway: ${ok}: removed\nslipway: removed 1 job(s)\n`);
  });

  it.each([
    [
      ["prune", "--older-than", "soon"],
      "error: --older-than soon: not a duration or a time\nhint: give a duration such as 30s, 15m, 12h, 7d or 1h30m, or a time such as 2025-01-31T12:00:00Z\n",
    ],
    [
      ["prune", "--state", "running"],
      "error: --state running: prune removes ended jobs only\nhint: give one of succeeded, failed, cancelled (cancel a job first to remove it)\n",
    ],
  ])("%j is a usage error", (args, stderr) => {
    const { opts } = sandbox();
    const result = runCli(args, opts);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(stderr);
  });
});
