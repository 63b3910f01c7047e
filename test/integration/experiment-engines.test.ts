import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { defaultConnections } from "../../src/transport/connections.ts";
import { until } from "../contract/harness.ts";
import {
  describeWithEngine,
  dockerDaemon,
  rayHead,
  slurmCluster,
  type EngineProbe,
  type SlurmClusterAccess,
} from "../helpers/engine.ts";
import { runCli } from "../helpers/run-cli.ts";
import type { Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox } from "../helpers/slurm-sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

interface ExperimentJson {
  readonly steps: readonly { name: string; state: string; jobId: string; reason?: string }[];
}

/** Ray, the Slurm cluster and dockerd together: the experiment spans all three. */
function threeEngines(): EngineProbe {
  const [ray, slurm, docker] = [rayHead(), slurmCluster(), dockerDaemon()];
  for (const probe of [ray, slurm, docker]) if (!probe.ok) return probe;
  return {
    ok: true,
    value: JSON.stringify({ ray: ray.ok ? ray.value : "", slurm: slurm.ok ? slurm.value : "" }),
  };
}

const cli = (box: Sandbox, args: readonly string[]) => runCli(args, { env: box.env, cwd: box.root });
const statusOf = (box: Sandbox, id: string): ExperimentJson =>
  JSON.parse(cli(box, ["status", "--json", id]).stdout) as ExperimentJson;

describeWithEngine("an experiment across Ray, Slurm and Docker", threeEngines(), (value) => {
  const tempDir = useTempDirs();
  afterAll(async () => {
    await defaultConnections().close();
  });

  it("runs prep on Ray, a 4-run sweep as one Slurm array job, then eval on Docker", async () => {
    const { ray, slurm } = JSON.parse(value) as { ray: string; slurm: string };
    const extraToml =
      `\n[ray]\nexecutor = "ray"\naddress = "${ray}"\n` +
      `\n[box]\nexecutor = "docker"\nimage = "slipway-test/busybox:latest"\npull = "never"\n`;
    const box = clusterSandbox(tempDir(), JSON.parse(slurm) as SlurmClusterAccess, {}, { extraToml });
    const print = "echo seen exp=$SLIPWAY_EXPERIMENT_ID group=$WANDB_RUN_GROUP type=$WANDB_JOB_TYPE";
    writeFileSync(
      join(box.root, "exp.toml"),
      [
        'name = "e2e"',
        "[steps.prep]",
        'profile = "ray"',
        `command = ["sh", "-c", "${print}"]`,
        "[steps.train]",
        'profile = "cluster"',
        'after = ["prep"]',
        `command = ["sh", "-c", "${print} prep=$SLIPWAY_STEP_PREP_JOB_ID a=$0 b=$1", "{a}", "{b}"]`,
        'sweep = { a = ["1", "2"], b = ["x", "y"] }',
        "[steps.eval]",
        'profile = "box"',
        'after = ["train"]',
        `command = ["sh", "-c", "${print} train=$SLIPWAY_STEP_TRAIN_JOB_ID"]`,
        "",
      ].join("\n"),
    );
    const started = cli(box, ["run", "exp.toml"]);
    expect(started.stderr).not.toContain("error");
    const id = started.stdout.trim();
    await until(
      "the experiment ends",
      () => statusOf(box, id).steps.every((s) => ["succeeded", "failed", "cancelled"].includes(s.state)),
      300_000,
    );
    const steps = statusOf(box, id).steps;
    expect(steps.map((s) => [s.name, s.state])).toEqual([
      ["prep", "succeeded"],
      ["train", "succeeded"],
      ["eval", "succeeded"],
    ]);
    const [prep, train, evaluate] = steps.map((s) => s.jobId);
    const seen = (type: string) => `seen exp=${id} group=${id} type=${type}`;
    expect(cli(box, ["logs", prep ?? ""]).stdout).toContain(`${seen("prep")}\n`);
    const sweep = JSON.parse(cli(box, ["status", "--json", train ?? ""]).stdout) as {
      runs: { jobId: string; arrayIndex?: number }[];
    };
    // One array job on the cluster: every run is a task of the same job.
    expect(new Set(sweep.runs.map((run) => run.jobId))).toEqual(new Set([train]));
    for (const [i, [a, b]] of [
      ["1", "x"],
      ["1", "y"],
      ["2", "x"],
      ["2", "y"],
    ].entries()) {
      const out = cli(box, ["logs", train ?? "", "--index", String(i), "--stream", "stdout"]).stdout;
      expect(out).toBe(`${seen("train")} prep=${prep ?? ""} a=${a ?? ""} b=${b ?? ""}\n`);
    }
    expect(cli(box, ["logs", evaluate ?? ""]).stdout).toBe(`${seen("eval")} train=${train ?? ""}\n`);
  });
});
