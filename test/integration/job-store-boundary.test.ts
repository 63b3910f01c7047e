import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { launch } from "../../src/launch.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

function cli(box: Sandbox, ...args: string[]) {
  return runCli(args, { env: box.env, cwd: box.root });
}

/** Writes a job directory with `text` as its record, as a damaged or hand-edited store would hold it. */
function plant(box: Sandbox, id: string, text: string): string {
  const dir = join(box.slipwayHome, "jobs", id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "job.json"), text);
  return join(dir, "job.json");
}

describe("the job store as a boundary (through the CLI)", () => {
  it("lists the good jobs and one line per damaged record; status of a damaged one exits 2", async () => {
    const box = makeSandbox(tempDir());
    const good = await launch({ name: "good", command: ["true"] }, sandboxOptions(box));
    await good.wait();
    const record = JSON.parse(
      readFileSync(join(box.slipwayHome, "jobs", good.id, "job.json"), "utf8"),
    ) as Record<string, unknown>;
    const damaged = {
      "bad-created-at": JSON.stringify({ ...record, id: "bad-created-at", createdAt: 5 }),
      "bad-truncated": JSON.stringify(record).slice(0, 40),
      "bad-null": "null",
      "bad-executor": JSON.stringify({ ...record, id: "bad-executor", executor: "mainframe" }),
      "bad-detail": JSON.stringify({ ...record, id: "bad-detail", detail: null }),
    };
    const files = Object.entries(damaged).map(([id, text]) => plant(box, id, text));

    const list = cli(box, "list");
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(good.id);
    const warnings = list.stderr.trim().split("\n");
    expect(warnings).toHaveLength(files.length);
    for (const file of files) expect(list.stderr).toContain(`warning: skipped ${file}: `);
    expect(list.stderr).not.toMatch(/internal error|at .*\.ts:\d+/);

    for (const id of Object.keys(damaged)) {
      for (const command of ["status", "logs", "cancel"]) {
        const result = cli(box, command, id);
        expect(result.status, `${command} ${id}`).toBe(2);
        expect(result.stderr).toMatch(
          new RegExp(`^error: ${join(box.slipwayHome, "jobs", id, "job.json")}: `),
        );
        expect(result.stderr).not.toContain("internal error");
      }
    }
  });

  it("refuses ids that would leave the store, and symlinked job directories", () => {
    const box = makeSandbox(tempDir());
    const outside = join(box.root, "victim");
    mkdirSync(join(box.slipwayHome, "jobs"), { recursive: true });
    mkdirSync(join(outside, "jobs", "victim"), { recursive: true });
    const victimRecord = join(outside, "jobs", "victim", "job.json");
    writeFileSync(victimRecord, JSON.stringify({ state: "running" }));

    const escape = cli(box, "status", "../../work/victim/jobs/victim");
    expect(escape.status).toBe(2);
    expect(escape.stderr).toContain('error: "../../work/victim/jobs/victim" is not a job id');
    expect(readFileSync(victimRecord, "utf8")).toBe(JSON.stringify({ state: "running" }));

    symlinkSync(join(outside, "jobs", "victim"), join(box.slipwayHome, "jobs", "linked-abc123"));
    const linked = cli(box, "status", "linked-abc123");
    expect(linked.status).toBe(2);
    expect(linked.stderr).toContain(`${join(box.slipwayHome, "jobs", "linked-abc123")} is a symbolic link`);
    expect(readFileSync(victimRecord, "utf8")).toBe(JSON.stringify({ state: "running" }));
  });

  it("a SLIPWAY_HOME that is a regular file is a clear error, not a stack trace", () => {
    const box = makeSandbox(tempDir());
    writeFileSync(box.slipwayHome, "not a directory\n");
    for (const args of [["list"], ["status"], ["launch", "--", "true"]]) {
      const result = cli(box, ...args);
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(`error: SLIPWAY_HOME ${box.slipwayHome} is not a directory`);
      expect(result.stderr).not.toMatch(/internal error|ENOTDIR/);
    }
  });
});
