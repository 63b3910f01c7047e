import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultConnections } from "../../src/transport/connections.ts";
import { until } from "../contract/harness.ts";
import {
  describeWithEngine,
  kubernetesCluster,
  slurmCluster,
  type KubernetesClusterAccess,
  type SlurmClusterAccess,
} from "../helpers/engine.ts";
import { kubectlOf } from "../helpers/kubectl.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, type Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox, loginTransport } from "../helpers/slurm-sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

interface SweepJson {
  readonly runs: readonly {
    index: number;
    jobId: string;
    arrayIndex?: number;
    state: string;
    exitCode?: number;
  }[];
  readonly summary: string;
}

const cli = (box: Sandbox, args: readonly string[]) => runCli(args, { env: box.env, cwd: box.root });
const statusOf = (box: Sandbox, id: string): SweepJson =>
  JSON.parse(cli(box, ["status", "--json", id]).stdout) as SweepJson;
const ended = (json: SweepJson): boolean =>
  json.runs.every((run) => ["succeeded", "failed", "cancelled"].includes(run.state));

const LIST_316 = Array.from({ length: 316 }, (_, i) => String(i)).join(",");
const LIST_317 = Array.from({ length: 317 }, (_, i) => String(i)).join(",");

// $0 and $1 are the swept values: sh -c takes them as its arguments, so each task's argv is checked as received.
const PRINT = [
  "sh",
  "-c",
  'echo "a=$0 b=$1 group=$WANDB_RUN_GROUP name=$WANDB_NAME tags=$WANDB_TAGS"',
  "{a}",
  "{b}",
];

describe("sweeps on this machine", () => {
  const tempDir = useTempDirs();

  it("runs one job per combination, each with its own values and W&B name", async () => {
    const box = makeSandbox(tempDir());
    const launched = cli(box, [
      "launch",
      "-p",
      "local",
      "-d",
      "-n",
      "pr",
      "--sweep",
      "a=1,2,3",
      "--sweep",
      "b=x",
      "--",
      ...PRINT,
    ]);
    expect(launched.status).toBe(0);
    const id = launched.stdout.trim();
    expect(id).toMatch(/^pr-sweep-[0-9a-z]{6}$/);
    await until("the sweep ends", () => ended(statusOf(box, id)), 30_000);
    const json = statusOf(box, id);
    expect(new Set(json.runs.map((run) => run.jobId)).size).toBe(3);
    expect(json.summary).toBe("3 jobs: 3 succeeded");
    const outputs = json.runs.map((run) => cli(box, ["logs", run.jobId]).stdout);
    expect(outputs).toEqual(
      ["1", "2", "3"].map((a) => `a=${a} b=x group=${id} name=pr-a=${a}-b=x tags=a=${a},b=x\n`),
    );
    const text = cli(box, ["status", id]).stdout.split("\n");
    expect(text).toHaveLength(6); // header, 3 runs, summary, final newline
    expect(text[4]).toBe("3 jobs: 3 succeeded");
  });

  it("cancels every job of a sweep", async () => {
    const box = makeSandbox(tempDir());
    const id = cli(box, [
      "launch",
      "-p",
      "local",
      "-d",
      "--sweep",
      "n=1,2,3",
      "--",
      "sleep",
      "10{n}",
    ]).stdout.trim();
    await until(
      "every job runs",
      () => statusOf(box, id).runs.every((run) => run.state === "running"),
      20_000,
    );
    expect(cli(box, ["cancel", id]).status).toBe(0);
    expect(statusOf(box, id).summary).toBe("3 jobs: 3 cancelled");
  });

  it.each([
    [["--sweep", "lr="], "error: --sweep lr=: lr has no values"],
    [["--sweep", "lr=1,2"], "error: no sweep parameter fills {x} in command[1] (the parameters: lr)"],
    [["--sweep", "x=1", "--sweep", "lr=1"], "error: sweep parameter lr is not used"],
    [["--sweep", "x=1..3"], "error: sweep parameter x is a range, which only a random sweep can draw from"],
    [["--max-parallel", "2", "--sweep", "x=1,2"], "maxParallel = 2: --max-parallel needs a scheduler"],
    [["--samples", "2"], "error: --samples is for a sweep, and no --sweep was given"],
    [
      ["--sweep", `x=${LIST_316}`, "--sweep", `y=${LIST_317}`],
      "error: this sweep has 100172 combinations, more than 10000: refused so that a mistyped list does not start that many jobs at once",
    ],
  ])("refuses %j with exit 2 and launches nothing", (flags, message) => {
    const box = makeSandbox(tempDir());
    const result = cli(box, ["launch", "-p", "local", ...flags, "--", "echo", "{x}"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(() => readdirSync(join(box.slipwayHome, "jobs"))).toThrow();
  });
});

describeWithEngine("a sweep on the real Slurm cluster", slurmCluster(), (value) => {
  const tempDir = useTempDirs();
  const access = (): SlurmClusterAccess => JSON.parse(value) as SlurmClusterAccess;
  afterAll(async () => {
    await defaultConnections().close();
  });

  it("is one array job whose tasks each print their own values", async () => {
    const box = clusterSandbox(tempDir(), access());
    const args = ["launch", "-p", "cluster", "-d", "-n", "pr", "--max-parallel", "2"];
    const launched = cli(box, [...args, "--sweep", "a=1,2", "--sweep", "b=x y,z", "--", ...PRINT]);
    expect(launched.stderr).not.toContain("error");
    const id = launched.stdout.trim();
    await until("the array ends", () => ended(statusOf(box, id)), 120_000);
    const json = statusOf(box, id);
    expect(json.summary).toBe("4 jobs: 4 succeeded");
    expect(json.runs.map((run) => [run.jobId, run.arrayIndex])).toEqual([0, 1, 2, 3].map((i) => [id, i]));
    // One job in the store and on the cluster: the array's tasks are <native id>_<index>.
    expect(readdirSync(join(box.slipwayHome, "jobs"))).toEqual([id]);
    const record = JSON.parse(cli(box, ["status", "--json", id]).stdout) as SweepJson;
    expect(record.runs).toHaveLength(4);
    const nativeId =
      (
        JSON.parse(runCli(["list", "--json"], { env: box.env, cwd: box.root }).stdout) as {
          nativeId: string;
        }[]
      )[0]?.nativeId ?? "";
    expect(nativeId).toMatch(/^\d+$/);
    const script = await loginTransport(access(), box).run(
      `grep -c '^#SBATCH --array=0-3%2$' ~/.slipway/jobs/${id}/job.sbatch`,
    );
    expect(script.stdout.trim()).toBe("1");
    const combos = [
      ["1", "x y"],
      ["1", "z"],
      ["2", "x y"],
      ["2", "z"],
    ];
    for (const [i, [a = "", b = ""]] of combos.entries()) {
      const out = cli(box, ["logs", id, "--index", String(i), "--stream", "stdout"]).stdout;
      expect(out).toBe(`a=${a} b=${b} group=${id} name=pr-a=${a}-b=${b} tags=a=${a},b=${b}\n`);
    }
    const text = cli(box, ["status", id]).stdout.trim().split("\n");
    expect(text).toHaveLength(6);
    expect(text[5]).toBe("4 jobs: 4 succeeded");
  });

  it("larger than the cluster's MaxArraySize is refused by sbatch with the cluster's limit in the hint", () => {
    const box = clusterSandbox(tempDir(), access());
    const values = Array.from({ length: 1500 }, (_, i) => String(i)).join(",");
    const result = cli(box, ["launch", "-p", "cluster", "-d", "--sweep", `n=${values}`, "--", "echo", "{n}"]);
    expect(result.stderr).toContain("Invalid job array specification");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      "hint: this cluster's MaxArraySize is 1001, so array indices go up to 1000, and this job's largest is 1499",
    );
  });
});

describeWithEngine("a sweep on the real Kubernetes cluster", kubernetesCluster(), (value) => {
  const tempDir = useTempDirs();
  const cluster = (value === "" ? {} : JSON.parse(value)) as KubernetesClusterAccess;
  const sandbox = (): Sandbox => {
    const toml = [
      "[k8s]",
      'executor = "kubernetes"',
      `image = "${cluster.images.busybox}"`,
      'image_pull_policy = "Never"',
      `namespace = "${cluster.namespace}"`,
      `kubeconfig = "${cluster.kubeconfig}"`,
      "grace_seconds = 1",
      "",
    ].join("\n");
    return makeSandbox(tempDir(), toml, { WANDB_API_KEY: CANARY_KEY });
  };

  it("is one Indexed Job, at most --max-parallel pods at once, each index its own values and outcome", async () => {
    const box = sandbox();
    // b=bad fails its combination only: each index has its own retries and outcome.
    const args = ["launch", "-p", "k8s", "-d", "-n", "pr", "--max-parallel", "2"];
    const command = [
      'echo "a=$0 b=$1 group=$WANDB_RUN_GROUP name=$WANDB_NAME"; [ "$1" != bad ]',
      "{a}",
      "{b}",
    ];
    const launched = cli(box, [
      ...args,
      "--sweep",
      "a=1,2",
      "--sweep",
      "b=x y,bad",
      "--",
      "sh",
      "-c",
      ...command,
    ]);
    expect(launched.stderr).not.toContain("error");
    const id = launched.stdout.trim();
    await until("the Indexed Job ends", () => ended(statusOf(box, id)), 180_000);
    const json = statusOf(box, id);
    expect(json.runs.map((run) => [run.jobId, run.arrayIndex, run.state])).toEqual([
      [id, 0, "succeeded"],
      [id, 1, "failed"],
      [id, 2, "succeeded"],
      [id, 3, "failed"],
    ]);
    expect(json.summary).toBe("4 jobs: 2 succeeded, 2 failed");
    const kubectl = kubectlOf(cluster);
    const jobs = kubectl("get", "jobs", "-l", `slipway.dev/job-id=${id}`, "-o", "jsonpath={.items[*].spec}");
    expect(JSON.parse(jobs)).toMatchObject({ completionMode: "Indexed", completions: 4, parallelism: 2 });
    for (const [i, [a, b]] of [
      ["1", "x y"],
      ["1", "bad"],
      ["2", "x y"],
      ["2", "bad"],
    ].entries()) {
      const out = cli(box, ["logs", id, "--index", String(i)]).stdout;
      expect(out).toBe(`a=${a ?? ""} b=${b ?? ""} group=${id} name=pr-a=${a ?? ""}-b=${b ?? ""}\n`);
    }
    expect(kubectl("get", "configmap", `${id}-sweep`, "-o", "jsonpath={.data}")).not.toContain(CANARY_KEY);
    expect(cli(box, ["cleanup", id]).status).toBe(0);
  });

  it("cancels every index of the sweep", async () => {
    const box = sandbox();
    const id = cli(box, [
      "launch",
      "-p",
      "k8s",
      "-d",
      "--sweep",
      "n=1,2",
      "--",
      "sleep",
      "30{n}",
    ]).stdout.trim();
    await until(
      "both indexes run",
      () => statusOf(box, id).runs.every((run) => run.state === "running"),
      120_000,
    );
    expect(cli(box, ["cancel", id]).status).toBe(0);
    expect(statusOf(box, id).summary).toBe("2 jobs: 2 cancelled");
  });
});
