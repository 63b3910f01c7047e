import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { until } from "../contract/harness.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, type Sandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

interface ExperimentJson {
  readonly id: string;
  readonly steps: readonly { name: string; state: string; jobId: string; reason?: string }[];
  readonly supervisor?: { pid: number };
}

const cli = (box: Sandbox, args: readonly string[]) => runCli(args, { env: box.env, cwd: box.root });
const statusOf = (box: Sandbox, id: string): ExperimentJson =>
  JSON.parse(cli(box, ["status", "--json", id]).stdout) as ExperimentJson;
const ended = (json: ExperimentJson): boolean =>
  json.steps.every((step) => ["succeeded", "failed", "cancelled"].includes(step.state));

describe("experiments on this machine", () => {
  const tempDir = useTempDirs();

  it("runs the steps in order, each seeing its predecessors' ids, and cancels the dependants of a failed step", async () => {
    const box = makeSandbox(tempDir());
    writeFileSync(
      join(box.root, "exp.toml"),
      [
        'name = "demo"',
        "[steps.prep]",
        'profile = "local"',
        'script = "echo exp=$SLIPWAY_EXPERIMENT_ID group=$WANDB_RUN_GROUP type=$WANDB_JOB_TYPE"',
        "[steps.train]",
        'profile = "local"',
        'command = ["sh", "-c", "echo lr=$0 prep=$SLIPWAY_STEP_PREP_JOB_ID group=$WANDB_RUN_GROUP", "{lr}"]',
        'after = ["prep"]',
        'sweep = { lr = ["1", "2"] }',
        "[steps.bad]",
        'profile = "local"',
        'script = "exit 3"',
        'after = ["prep"]',
        "[steps.eval]",
        'profile = "local"',
        'script = "echo eval"',
        'after = ["train", "bad"]',
        "",
      ].join("\n"),
    );
    const started = cli(box, ["run", "exp.toml"]);
    expect(started.status).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^demo-[0-9a-z]{6}$/);
    await until("the experiment ends", () => ended(statusOf(box, id)), 60_000);
    const json = statusOf(box, id);
    const byName = Object.fromEntries(json.steps.map((step) => [step.name, step]));
    expect(json.steps.map((step) => [step.name, step.state])).toEqual([
      ["prep", "succeeded"],
      ["train", "succeeded"],
      ["bad", "failed"],
      ["eval", "cancelled"],
    ]);
    expect(byName["eval"]?.reason).toBe("dependency failed");
    const prepId = byName["prep"]?.jobId ?? "";
    expect(cli(box, ["logs", prepId]).stdout).toBe(`exp=${id} group=${id} type=prep\n`);
    const train = JSON.parse(cli(box, ["status", "--json", byName["train"]?.jobId ?? ""]).stdout) as {
      runs: { jobId: string }[];
    };
    const outputs = train.runs.map((run) => cli(box, ["logs", run.jobId]).stdout).sort();
    expect(outputs).toEqual([`lr=1 prep=${prepId} group=${id}\n`, `lr=2 prep=${prepId} group=${id}\n`]);
    const text = cli(box, ["status", id]).stdout;
    expect(text).toContain("supervisor: done");
  });

  it("resumes after the supervisor is killed without launching any step twice", async () => {
    const box = makeSandbox(tempDir());
    const gate = join(box.root, "gate");
    writeFileSync(
      join(box.root, "exp.toml"),
      `[steps.slow]\nprofile = "local"\nscript = "while [ ! -e ${gate} ]; do sleep 0.1; done"\n` +
        `[steps.next]\nprofile = "local"\nscript = "echo next"\nafter = ["slow"]\n`,
    );
    const id = cli(box, ["run", "exp.toml"]).stdout.trim();
    await until("slow runs", () => statusOf(box, id).steps[0]?.state === "running", 30_000);
    const pid = statusOf(box, id).supervisor?.pid ?? 0;
    process.kill(pid, "SIGKILL");
    await until("the supervisor is gone", () => !existsSync(`/proc/${pid}`), 10_000);
    expect(cli(box, ["status", id]).stdout).toContain(`slipway run --resume ${id} continues it`);
    expect(cli(box, ["run", "--resume", id]).status).toBe(0);
    writeFileSync(gate, "");
    await until("the experiment ends", () => ended(statusOf(box, id)), 60_000);
    expect(statusOf(box, id).steps.map((step) => step.state)).toEqual(["succeeded", "succeeded"]);
    expect(readdirSync(join(box.slipwayHome, "jobs"))).toHaveLength(2);
    expect(
      readFileSync(join(box.slipwayHome, "experiments", `${id}.log`), "utf8").match(/launched as/g),
    ).toHaveLength(2);
  });

  it.each([
    ['[steps.a]\nprofile = "local"\ncommand = ["true"]\nafter = ["a"]\n', "steps.a.after: cycle a → a"],
    [
      '[steps.a]\nprofile = "local"\ncommand = ["true"]\nafter = ["b"]\n',
      'steps.a.after[0]: unknown step "b"',
    ],
    [
      // Every step is dry-run with its profile before anything starts; each one that would not launch is named.
      '[steps.a]\nprofile = "local"\ncommand = ["true"]\n' +
        '[steps.b]\nprofile = "locl"\ncommand = ["true"]\nafter = ["a"]\n' +
        '[steps.c]\nprofile = "local"\ncommand = ["true"]\nimage = "busybox"\nafter = ["a"]\n',
      "2 steps would not launch, so nothing started:\n  step b (profile locl): ",
      'no profile "locl" (profiles: local; did you mean "local"?)',
      '\n  step c (profile local): the local executor cannot run this job:\n      - image = "busybox"',
    ],
  ])("refuses a bad file with exit 2 and starts nothing: %#", (text, ...messages) => {
    const box = makeSandbox(tempDir());
    writeFileSync(join(box.root, "exp.toml"), text);
    const result = cli(box, ["run", "exp.toml"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: ");
    for (const message of messages) expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("hint: ");
    expect(existsSync(join(box.slipwayHome, "experiments"))).toBe(false);
  });
});
