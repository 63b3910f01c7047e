import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CommandError, SlipwayError } from "../../../../src/errors.ts";
import type { JobEngine } from "../../../../src/executors/executor-module.ts";
import type { SlurmDetail } from "../../../../src/executors/slurm/slurm-detail.ts";
import { slurmEngine } from "../../../../src/executors/slurm/slurm-engine.ts";
import { jobFiles, type JobFiles } from "../../../../src/store/job-files.ts";
import type { CommandResult, CommandRunner } from "../../../../src/transport/command-runner.ts";
import { useTempDirs } from "../../../helpers/temp-dir.ts";

const tempDir = useTempDirs();

/** A runner that answers each command with the first answer whose pattern matches it, and records every command. */
function scripted(answers: readonly (readonly [RegExp, Partial<CommandResult>])[]) {
  const commands: string[] = [];
  const runner: CommandRunner = {
    label: "me@login:22",
    run: (command) => {
      commands.push(command);
      const answer = answers.find(([pattern]) => pattern.test(command))?.[1];
      return Promise.resolve({ stdout: "", stderr: "", exitCode: 0, ...answer });
    },
    home: () => Promise.resolve("/home/me"),
    writeFile: () => Promise.resolve(),
    mkdir: () => Promise.resolve(),
    close: () => undefined,
  };
  return { runner, commands };
}

const DETAIL: SlurmDetail = {
  target: {
    tunnel: "ssh",
    host: "login",
    user: "me",
    port: 22,
    identity: undefined,
    jump: undefined,
    hostKeyPolicy: "strict",
  },
  label: "me@login:22",
  jobDir: "/home/me/.slipway/jobs/sft-aaaaaa",
};

function engineOf(
  answers: readonly (readonly [RegExp, Partial<CommandResult>])[],
  detail: Partial<SlurmDetail> = {},
): { engine: JobEngine; commands: string[]; files: JobFiles } {
  const { runner, commands } = scripted(answers);
  const files = jobFiles(tempDir());
  const engine = slurmEngine(
    { id: "sft-aaaaaa", nativeId: "42", detail: { ...DETAIL, ...detail }, files },
    runner,
  );
  return { engine, commands, files };
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

const done = () => Promise.resolve(true);

describe("slurm engine", () => {
  it("polls from 250 ms by 1.5 up to 10 s, and gives up confirming a cancel after 60 s", () => {
    const { poll } = engineOf([]).engine;
    expect({ firstMs: poll.firstMs, factor: poll.factor, maxMs: poll.maxMs }).toEqual({
      firstMs: 250,
      factor: 1.5,
      maxMs: 10_000,
    });
    const running = { state: "running", raw: "RUNNING", exitCode: undefined, reason: undefined } as const;
    expect(poll.cancelDeadlineMs(running)).toBe(60_000);
    expect(poll.unconfirmedCancel?.(running, 60_000)).toBe("scancel sent; the job has not ended yet");
  });

  it("stop: scancel, then removes the secrets file", async () => {
    const { engine, commands } = engineOf([]);
    await engine.stop();
    expect(commands).toEqual([
      "scancel 42; code=$?; rm -f /home/me/.slipway/jobs/sft-aaaaaa/secrets.env; exit $code",
    ]);
  });

  it.each([
    "scancel: error: Kill job error on job id 42: Job/step already completing or completed",
    "scancel: error: Kill job error on job id 42: Invalid job id specified",
  ])("stop of a job that already ended is no error: %s", async (stderr) => {
    await expect(engineOf([[/^scancel/, { exitCode: 1, stderr }]]).engine.stop()).resolves.toBeUndefined();
  });

  it("stop that scancel refuses: a CommandError with argv, exit code, stderr and host", async () => {
    const stderr = "scancel: error: Kill job error on job id 42: Access/permission denied\n";
    const { engine } = engineOf([[/^scancel/, { exitCode: 1, stderr }]]);
    const error = await engine.stop().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({
      code: "ENGINE_ERROR",
      message:
        "scancel 42 failed on me@login:22 (exit 1): scancel: error: Kill job error on job id 42: Access/permission denied",
      argv: ["scancel", "42"],
      exitCode: 1,
      stderr: stderr.trim(),
      host: "me@login:22",
    });
  });

  it("probe: a job Slurm forgot without an exit code has ended: failed, or cancelled after a cancel", async () => {
    const answers = [
      [/^sacct/, { exitCode: 1, stderr: "sacct: error: Slurm accounting storage is disabled\n" }],
    ] as const;
    const { engine, files } = engineOf(answers);
    const gone = await engine.probe();
    expect(gone).toMatchObject({ state: "failed", raw: "gone", exitCode: undefined });
    expect(gone.reason).toBe(
      "Slurm job 42 is no longer listed by squeue and wrote no exit code to /home/me/.slipway/jobs/sft-aaaaaa; the cluster has no accounting (sacct)",
    );
    writeFileSync(files.cancelRequested, "now\n");
    expect(await engine.probe()).toMatchObject({ state: "cancelled", raw: "gone" });
  });

  it("probe: what squeue says, through the state table", async () => {
    const { engine } = engineOf([[/^squeue/, { stdout: "42|PENDING|Priority\n" }]]);
    expect(await engine.probe()).toEqual({
      state: "pending",
      raw: "PENDING",
      exitCode: undefined,
      reason: "Priority",
    });
  });

  it("logs of an array: the first task's by default, the one asked for, and a clear error for another", async () => {
    const { engine, commands } = engineOf([[/stdout-(\d)\.log/, { stdout: "task output\n" }]], {
      array: "0-3,5",
    });
    expect(await collect(engine.logs({}, done))).toEqual(["task output"]);
    expect(commands).toEqual([
      "cat /home/me/.slipway/jobs/sft-aaaaaa/stdout-0.log 2>/dev/null; true",
      "cat /home/me/.slipway/jobs/sft-aaaaaa/stderr-0.log 2>/dev/null; true",
    ]);
    await collect(engine.logs({ index: 5, stream: "stderr" }, done));
    expect(commands.at(-1)).toBe("cat /home/me/.slipway/jobs/sft-aaaaaa/stderr-5.log 2>/dev/null; true");
    const error = await collect(engine.logs({ index: 4 }, done)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({
      code: "RECIPE_INVALID",
      message: "job sft-aaaaaa has no array task 4 (its tasks: 0,1,2,3,5)",
    });
  });

  it("cleanup saves each task's logs with its index, then removes the job directory", async () => {
    const { engine, commands } = engineOf([[/stdout-1\.log/, { stdout: "task 1\n" }]], { array: "0-1" });
    const saved: [string, string, number | undefined][] = [];
    const result = await engine.cleanup?.((stream, text, index) => saved.push([stream, String(text), index]));
    expect(result).toEqual({
      cleaned: true,
      message: "removed /home/me/.slipway/jobs/sft-aaaaaa on me@login:22 (logs kept)",
    });
    expect(saved).toEqual([
      ["stdout", "", 0],
      ["stderr", "", 0],
      ["stdout", "task 1\n", 1],
      ["stderr", "", 1],
    ]);
    expect(commands.at(-1)).toBe("rm -rf /home/me/.slipway/jobs/sft-aaaaaa");
  });

  it("cleanup of a single job saves its logs without an index; a directory it cannot remove is not cleaned", async () => {
    const { engine } = engineOf([
      [/stdout\.log/, { stdout: "out\n" }],
      [/^rm -rf/, { exitCode: 1, stderr: "rm: cannot remove 'x': Permission denied\n" }],
    ]);
    const saved: [string, string, number | undefined][] = [];
    const result = await engine.cleanup?.((stream, text, index) => saved.push([stream, String(text), index]));
    expect(saved).toEqual([
      ["stdout", "out\n", undefined],
      ["stderr", "", undefined],
    ]);
    expect(result).toEqual({
      cleaned: false,
      message:
        "could not remove /home/me/.slipway/jobs/sft-aaaaaa on me@login:22: rm: cannot remove 'x': Permission denied",
    });
  });

  it("a job an earlier version cleaned up: logs from the job store, nothing asked of the cluster", async () => {
    const { engine, commands, files } = engineOf([], { cleaned: true });
    writeFileSync(files.log("stdout"), "kept\n");
    expect(await collect(engine.logs({ stream: "stdout" }, done))).toEqual(["kept"]);
    expect(await engine.cleanup?.(() => undefined)).toEqual({
      cleaned: false,
      message: "already cleaned up (logs kept)",
    });
    expect(commands).toEqual([]);
  });
});
