import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { CommandError, SlipwayError } from "../../src/errors.ts";
import { processStartTime } from "../../src/job/process-info.ts";
import { getJob } from "../../src/jobs.ts";
import { launch, type LaunchOptions } from "../../src/launch.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

function setup(toml?: string): { sandbox: Sandbox; options: LaunchOptions } {
  const sandbox = makeSandbox(tempDir(), toml);
  return { sandbox, options: sandboxOptions(sandbox) };
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe("local executor on real processes", () => {
  it("runs a job to success, with stdout and stderr in separate log files", async () => {
    const { options } = setup();
    const job = await launch({ name: "hello", script: "echo out; echo err >&2" }, options);
    expect(await job.wait()).toEqual({
      state: "succeeded",
      raw: "exited(0)",
      exitCode: 0,
      reason: undefined,
    });
    expect(await collect(job.logs({ stream: "stdout" }))).toEqual(["out"]);
    expect(await collect(job.logs({ stream: "stderr" }))).toEqual(["err"]);
  });

  it("gives the job exactly the resolved environment", async () => {
    const { sandbox, options } = setup();
    const job = await launch(
      { name: "env", command: ["/usr/bin/env"], env: { FROM_RECIPE: "a b $c" } },
      { ...options, env: { ...sandbox.env, WANDB_SERVICE: "2-123-tcp-localhost-1", WANDB_API_KEY: "" } },
    );
    await job.wait();
    const seen = Object.fromEntries(
      (await collect(job.logs({ stream: "stdout" }))).map((line) => [
        line.slice(0, line.indexOf("=")),
        line.slice(line.indexOf("=") + 1),
      ]),
    );
    expect(seen).toEqual({
      ...sandbox.env,
      FROM_RECIPE: "a b $c",
      PWD: sandbox.root,
      WANDB_PROJECT: "slipway-test",
      WANDB_ENTITY: "tests",
      WANDB_MODE: "offline",
      WANDB_NAME: job.id,
      WANDB_RUN_ID: job.id,
    });
  });

  it("reports a non-zero exit as failed with its code", async () => {
    const { options } = setup();
    const job = await launch({ name: "fail", script: "exit 3" }, options);
    expect(await job.wait()).toEqual({
      state: "failed",
      raw: "exited",
      exitCode: 3,
      reason: "exited with code 3",
    });
  });

  it("follows logs as they are written and stops when the job ends", async () => {
    const { options } = setup();
    const job = await launch(
      { name: "tick", script: "for i in 1 2 3 4 5; do echo tick $i; sleep 0.1; done" },
      options,
    );
    expect(await collect(job.logs({ follow: true }))).toEqual([
      "tick 1",
      "tick 2",
      "tick 3",
      "tick 4",
      "tick 5",
    ]);
    expect((await job.status()).state).toBe("succeeded");
  });

  it("cancels the whole process group with SIGTERM", async () => {
    const { sandbox, options } = setup();
    const job = await launch({ name: "sleepy", script: "sleep 30 & echo $! > child.pid; wait" }, options);
    await waitFor(() => readFileSync(join(sandbox.root, "child.pid"), "utf8").trim() !== "");
    const child = Number(readFileSync(join(sandbox.root, "child.pid"), "utf8"));
    expect(await job.cancel()).toMatchObject({ state: "cancelled", raw: "cancelled" });
    expect(processStartTime(child)).toBeUndefined();
  });

  it("escalates to SIGKILL after the grace period when SIGTERM is ignored", async () => {
    const { options } = setup();
    const job = await launch(
      { name: "stubborn", script: "trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.1; done" },
      options,
    );
    await waitFor(async () => (await collect(job.logs())).includes("ready"));
    expect((await job.cancel()).state).toBe("cancelled");
    // SIGTERM arrived and was ignored; only the SIGKILL that followed can have ended the group.
    expect(await collect(job.logs({ stream: "stdout" }))).toEqual(["ready", "got TERM"]);
    expect(processStartTime(Number(job.nativeId))).toBeUndefined();
    expect((await job.status()).state).toBe("cancelled");
  });

  it("treats cancel of a finished job as a no-op", async () => {
    const { options } = setup();
    const job = await launch({ name: "quick", command: ["true"] }, options);
    const done = await job.wait();
    expect(await job.cancel()).toEqual(done);
  });

  it("reattaches by id from the job store", async () => {
    const { sandbox, options } = setup();
    const job = await launch({ name: "later", script: "echo one; sleep 0.3; echo two" }, options);
    const again = await getJob(job.id.slice(0, -2), { env: sandbox.env, homeDir: sandbox.home });
    expect(again.id).toBe(job.id);
    expect(again.nativeId).toBe(job.nativeId);
    expect(await collect(again.logs({ follow: true }))).toEqual(["one", "two"]);
    expect((await again.wait()).state).toBe("succeeded");
  });

  it("fails clearly for a command that does not exist and marks the record failed", async () => {
    const { sandbox, options } = setup();
    const error = await launch({ name: "typo", command: ["pyhton3", "train.py"] }, options).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).message).toBe("command not found: pyhton3");
    expect((error as CommandError).hint).toBe(
      `"pyhton3" is not an executable in the job's PATH (${sandbox.env["PATH"]})`,
    );
    const [record] = new JobStore(sandbox.slipwayHome).list();
    expect(record).toMatchObject({
      state: "failed",
      raw: "not-started",
      reason: "command not found: pyhton3",
    });
  });

  it("says which job it cannot find", async () => {
    const { sandbox } = setup();
    const error = await getJob("nope", { env: sandbox.env, homeDir: sandbox.home }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).message).toBe(`no job "nope" in ${join(sandbox.slipwayHome, "jobs")}`);
  });

  it("refuses more than one node before starting anything", async () => {
    const { sandbox, options } = setup();
    const error = await launch({ name: "big", command: ["true"], resources: { nodes: 2 } }, options).catch(
      (e: unknown) => e,
    );
    expect((error as SlipwayError).message).toBe(
      "the local executor cannot run this job:\n  - nodes = 2: it runs on this machine only; use a slurm, kubernetes or ray profile for more than one node",
    );
    expect(new JobStore(sandbox.slipwayHome).list()).toEqual([]);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not there yet.
    }
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(25);
  }
}

describe("a detached local job from a script", () => {
  it("wait() keeps the process alive until the job ends", () => {
    const box = makeSandbox(tempDir());
    const script = join(box.root, "detached.ts");
    const index = join(import.meta.dirname, "..", "..", "src", "index.ts");
    writeFileSync(
      script,
      [
        `import { launch } from ${JSON.stringify(index)};`,
        `const j = await launch({ name: "x", command: ["sleep", "1"] }, { executor: "local", detach: true });`,
        "const status = await j.wait();",
        'console.log("after", status.state);',
      ].join("\n"),
    );
    const result = spawnSync(process.execPath, [script], {
      cwd: box.root,
      env: box.env,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect({ status: result.status, stdout: result.stdout }).toEqual({
      status: 0,
      stdout: "after succeeded\n",
    });
  });
});
