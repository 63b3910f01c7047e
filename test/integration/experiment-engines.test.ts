import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { defaultConnections } from "../../src/transport/connections.ts";
import { until } from "../contract/harness.ts";
import {
  describeWithEngine,
  DOCKER_PYTHON_IMAGE,
  dockerPythonImage,
  rayHead,
  slurmCluster,
  type EngineProbe,
  type SlurmClusterAccess,
} from "../helpers/engine.ts";
import { runCli } from "../helpers/run-cli.ts";
import type { Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox, loginTransport } from "../helpers/slurm-sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

interface ExperimentJson {
  readonly steps: readonly { name: string; state: string; jobId: string; reason?: string }[];
}

/** What the real W&B SDK (offline) saw inside a step, printed by PROBE. */
interface Seen {
  readonly argv: string[];
  readonly group: string;
  readonly job_type: string;
  readonly offline: boolean;
  readonly experiment: string;
  readonly steps: Record<string, string>;
}

// The oracle: the official SDK starts a run from the job's environment alone and says what it got.
const PROBE = `import json, os, sys
import wandb
run = wandb.init()
print(json.dumps({"argv": sys.argv[1:], "group": run.group, "job_type": run.job_type,
  "offline": run.settings._offline, "experiment": os.environ.get("SLIPWAY_EXPERIMENT_ID"),
  "steps": {k: v for k, v in os.environ.items() if k.startswith("SLIPWAY_STEP_")}}), flush=True)
run.finish()
`;

/** Ray, the Slurm cluster and dockerd with the Python image together: the experiment spans all three. */
function threeEngines(): EngineProbe {
  const [ray, slurm, docker] = [rayHead(), slurmCluster(), dockerPythonImage()];
  for (const probe of [ray, slurm, docker]) if (!probe.ok) return probe;
  return {
    ok: true,
    value: JSON.stringify({ ray: ray.ok ? ray.value : "", slurm: slurm.ok ? slurm.value : "" }),
  };
}

const cli = (box: Sandbox, args: readonly string[]) => runCli(args, { env: box.env, cwd: box.root });
const statusOf = (box: Sandbox, id: string): ExperimentJson =>
  JSON.parse(cli(box, ["status", "--json", id]).stdout) as ExperimentJson;
const ended = (json: ExperimentJson): boolean =>
  json.steps.every((s) => ["succeeded", "failed", "cancelled"].includes(s.state));
const seenIn = (output: string): Seen =>
  JSON.parse(output.split("\n").find((line) => line.startsWith("{")) ?? "{}") as Seen;
const nativeIdOf = (box: Sandbox, id: string): string =>
  (JSON.parse(cli(box, ["list", "--all", "--json"]).stdout) as { id: string; nativeId: string }[]).find(
    (job) => job.id === id,
  )?.nativeId ?? "";

/** Every step ships the launch directory and runs the SDK offline, quietly, its files in the job's working directory (a shared /tmp/wandb may belong to another user). */
const STEP_ENV = 'package = "dir"\nenv = { WANDB_MODE = "offline", WANDB_DIR = ".", WANDB_SILENT = "true" }';

describeWithEngine("an experiment across Ray, Slurm and Docker", threeEngines(), (value) => {
  const tempDir = useTempDirs();
  afterAll(async () => {
    await defaultConnections().close();
  });
  const { ray, slurm } = JSON.parse(value) as { ray: string; slurm: string };
  const access = JSON.parse(slurm) as SlurmClusterAccess;
  const sandbox = (): Sandbox => {
    const extraToml =
      `\n[ray]\nexecutor = "ray"\naddress = "${ray}"\n` +
      `\n[box]\nexecutor = "docker"\nimage = "${DOCKER_PYTHON_IMAGE}"\npull = "never"\n`;
    const box = clusterSandbox(tempDir(), access, {}, { extraToml });
    writeFileSync(join(box.root, "probe.py"), PROBE);
    return box;
  };
  const python = access.python ?? "python3";

  it("runs prep on Ray, a 4-run sweep as one Slurm array job, report after it by Slurm's afterok, eval on Docker", async () => {
    const box = sandbox();
    writeFileSync(
      join(box.root, "exp.toml"),
      [
        'name = "e2e"',
        "[steps.prep]",
        'profile = "ray"',
        'command = ["python3", "probe.py"]',
        STEP_ENV,
        "[steps.train]",
        'profile = "cluster"',
        'after = ["prep"]',
        `command = ["${python}", "probe.py", "{a}", "{b}"]`,
        'sweep = { a = ["1", "2"], b = ["x", "y"] }',
        STEP_ENV,
        "[steps.report]",
        'profile = "cluster"',
        'after = ["train"]',
        `command = ["${python}", "probe.py"]`,
        STEP_ENV,
        "[steps.eval]",
        'profile = "box"',
        'after = ["train"]',
        'command = ["python3", "probe.py"]',
        STEP_ENV,
        "",
      ].join("\n"),
    );
    const started = cli(box, ["run", "exp.toml"]);
    expect(started.stderr).not.toContain("error");
    const id = started.stdout.trim();
    await until("the experiment ends", () => ended(statusOf(box, id)), 300_000);
    const steps = statusOf(box, id).steps;
    expect(
      steps.map((s) => [s.name, s.state]),
      JSON.stringify(steps),
    ).toEqual([
      ["prep", "succeeded"],
      ["train", "succeeded"],
      ["report", "succeeded"],
      ["eval", "succeeded"],
    ]);
    const [prep = "", train = "", report = "", evaluate = ""] = steps.map((s) => s.jobId);
    const seen = (jobType: string, stepIds: Record<string, string>, argv: string[] = []): Seen => ({
      argv,
      group: id,
      job_type: jobType,
      offline: true,
      experiment: id,
      steps: stepIds,
    });
    expect(seenIn(cli(box, ["logs", prep]).stdout)).toEqual(seen("prep", {}));
    // One array job on the cluster: every run is a task of the same job.
    const sweep = JSON.parse(cli(box, ["status", "--json", train]).stdout) as {
      runs: { jobId: string; arrayIndex?: number }[];
    };
    expect(new Set(sweep.runs.map((run) => run.jobId))).toEqual(new Set([train]));
    // …and squeue agrees: its 4 tasks (Slurm keeps ended jobs listed for MinJobAge) share one array job id.
    const tasks = await loginTransport(access, box).run(`squeue -h -t all -r -o %F --name=${train}`);
    const arrayIds = tasks.stdout.split("\n").filter((line) => line !== "");
    expect(arrayIds).toHaveLength(4);
    expect(new Set(arrayIds)).toEqual(new Set([nativeIdOf(box, train)]));
    for (const [i, argv] of [
      ["1", "x"],
      ["1", "y"],
      ["2", "x"],
      ["2", "y"],
    ].entries()) {
      const out = cli(box, ["logs", train, "--index", String(i), "--stream", "stdout"]).stdout;
      expect(seenIn(out)).toEqual(seen("train", { SLIPWAY_STEP_PREP_JOB_ID: prep }, argv));
    }
    expect(seenIn(cli(box, ["logs", report, "--stream", "stdout"]).stdout)).toEqual(
      seen("report", { SLIPWAY_STEP_TRAIN_JOB_ID: train }),
    );
    expect(seenIn(cli(box, ["logs", evaluate]).stdout)).toEqual(
      seen("eval", { SLIPWAY_STEP_TRAIN_JOB_ID: train }),
    );
    // report shared train's cluster, so Slurm held it with afterok on train's array job.
    const script = await loginTransport(access, box).run(`cat ~/.slipway/jobs/${report}/job.sbatch`);
    expect(script.stdout).toContain(`#SBATCH --dependency=afterok:${nativeIdOf(box, train)}\n`);
  });

  it("cancels what waits for a failed step: the chained Slurm job and the Docker step never run", async () => {
    const box = sandbox();
    writeFileSync(
      join(box.root, "fail.toml"),
      [
        'name = "fails"',
        "[steps.prep]",
        'profile = "cluster"',
        'command = ["sh", "-c", "sleep 2; exit 3"]',
        "[steps.train]",
        'profile = "cluster"',
        'after = ["prep"]',
        'command = ["echo", "never"]',
        "[steps.eval]",
        'profile = "box"',
        'after = ["train"]',
        'command = ["echo", "never"]',
        "",
      ].join("\n"),
    );
    const id = cli(box, ["run", "fail.toml"]).stdout.trim();
    await until("the experiment ends", () => ended(statusOf(box, id)), 120_000);
    const steps = statusOf(box, id).steps;
    expect(steps.map((s) => [s.name, s.state, s.reason])).toEqual([
      ["prep", "failed", "NonZeroExitCode"],
      ["train", "cancelled", "dependency failed"],
      ["eval", "cancelled", "dependency failed"],
    ]);
    // train was submitted at once (afterok on prep) and then cancelled on the cluster before it ran.
    const train = steps[1]?.jobId ?? "";
    expect(JSON.parse(cli(box, ["status", "--json", train]).stdout)).toMatchObject({ state: "cancelled" });
    expect(cli(box, ["logs", train, "--stream", "stdout"]).stdout).not.toContain("never");
  });
});

describeWithEngine(
  "an experiment on the real Slurm cluster, its supervisor killed",
  slurmCluster(),
  (value) => {
    const tempDir = useTempDirs();
    afterAll(async () => {
      await defaultConnections().close();
    });

    it("resumes with SIGKILL mid-experiment and launches nothing twice", async () => {
      const access = JSON.parse(value) as SlurmClusterAccess;
      const box = clusterSandbox(tempDir(), access);
      const login = loginTransport(access, box);
      const gate = `slipway-gate-${Date.now().toString(36)}`;
      writeFileSync(
        join(box.root, "exp.toml"),
        [
          'name = "resume"',
          "[steps.slow]",
          'profile = "cluster"',
          `script = "while [ ! -e $HOME/${gate} ]; do sleep 0.2; done; echo slow"`,
          "[steps.next]",
          'profile = "cluster"',
          'after = ["slow"]',
          'command = ["echo", "next"]',
          "",
        ].join("\n"),
      );
      const id = cli(box, ["run", "exp.toml"]).stdout.trim();
      await until(
        "both steps are submitted (next chained with afterok)",
        () => statusOf(box, id).steps.every((step) => step.state === "running"),
        60_000,
      );
      const pid = (JSON.parse(cli(box, ["status", "--json", id]).stdout) as { supervisor?: { pid: number } })
        .supervisor?.pid;
      expect(pid).toBeGreaterThan(0);
      process.kill(pid ?? 0, "SIGKILL");
      await until("the supervisor is gone", () => !existsSync(`/proc/${pid ?? 0}`), 10_000);
      expect(cli(box, ["run", "--resume", id]).status).toBe(0);
      await login.run(`touch ~/${gate}`);
      try {
        await until("the experiment ends", () => ended(statusOf(box, id)), 120_000);
        const steps = statusOf(box, id).steps;
        expect(steps.map((step) => [step.name, step.state])).toEqual([
          ["slow", "succeeded"],
          ["next", "succeeded"],
        ]);
        // One job per step in the store and one sbatch each: the resumed supervisor reattached both.
        expect(readdirSync(join(box.slipwayHome, "jobs")).sort()).toEqual(steps.map((s) => s.jobId).sort());
        const log = readFileSync(join(box.slipwayHome, "experiments", `${id}.log`), "utf8");
        expect(log.match(/launched as/g)).toHaveLength(2);
        expect(cli(box, ["logs", steps[1]?.jobId ?? "", "--stream", "stdout"]).stdout).toBe("next\n");
      } finally {
        await login.run(`rm -f ~/${gate}`);
      }
    });
  },
);
