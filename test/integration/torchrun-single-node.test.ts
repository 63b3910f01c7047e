/**
 * `launcher = "torchrun"` on one node, local and Docker, end to end on real processes and a real dockerd. torchrun
 * itself is a STAND-IN (test/helpers/fake-torchrun.ts): it checks the exact argv slipway gives it and starts one
 * process per rank with the variables torchrun sets (RANK, LOCAL_RANK, WORLD_SIZE, …), so each rank below reports
 * what a rank of a real torchrun would see. GPUs are a stand-in too: a fake `nvidia-smi` printing N indices.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CommandError, SlipwayError, UnsupportedError } from "../../src/errors.ts";
import type { JobHandle } from "../../src/executors/types.ts";
import { dryRun, launch } from "../../src/launch.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { describeWithEngine, dockerDaemon } from "../helpers/engine.ts";
import { torchrunArgv, writeFakeTorchrun } from "../helpers/fake-torchrun.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

const HEAD = ["--standalone", "--nnodes=1"];
const WRAPPER = (names: string) => `if [ "$RANK" != 0 ]; then unset ${names}; fi; exec "$@"`;

// Each rank prints one line of what it sees; "-" for an unset variable.
const PROBE_PY = `import json, os, sys
seen = {k: os.environ.get(k, "-") for k in
        ["RANK", "LOCAL_RANK", "WORLD_SIZE", "WANDB_RUN_ID", "WANDB_RESUME", "WANDB_RUN_GROUP", "CUDA_VISIBLE_DEVICES"]}
seen["argv"] = sys.argv[1:]
seen["unbuffered"] = sys.stdout.write_through  # python -u, as torchrun runs scripts
# One write per line: print() writes the text and the newline apart, so two ranks could interleave mid-line.
sys.stdout.write("rank " + json.dumps(seen, sort_keys=True) + "\\n")
`;
const PROBE_SH =
  'echo "rank {\\"RANK\\": \\"$RANK\\", \\"LOCAL_RANK\\": \\"$LOCAL_RANK\\", \\"WORLD_SIZE\\": \\"$WORLD_SIZE\\", ' +
  '\\"WANDB_RUN_ID\\": \\"${WANDB_RUN_ID:--}\\", \\"WANDB_RESUME\\": \\"${WANDB_RESUME:--}\\", ' +
  '\\"WANDB_RUN_GROUP\\": \\"${WANDB_RUN_GROUP:--}\\", \\"args\\": \\"$*\\"}"';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

/** The job's stdout once it ended: the stand-in's argv and each rank's report, ranks sorted. */
async function ranOf(job: JobHandle): Promise<{ argv: string[]; ranks: Record<string, unknown>[] }> {
  const status = await job.wait();
  const out = await collect(job.logs({ stream: "stdout" }));
  const err = await collect(job.logs({ stream: "stderr" }));
  expect(status, err.join("\n")).toMatchObject({ state: "succeeded", exitCode: 0 });
  const ranks = out
    .filter((line) => line.startsWith("rank "))
    .map((line) => JSON.parse(line.slice("rank ".length)) as Record<string, unknown>)
    .sort((a, b) => Number(a["RANK"]) - Number(b["RANK"]));
  return { argv: torchrunArgv(out), ranks };
}

/** A directory for PATH holding a fake `nvidia-smi` that lists GPUs 0 to count - 1. */
function fakeNvidiaSmi(count: number): string {
  const dir = tempDir();
  const lines = Array.from({ length: count }, (_, i) => `echo ${i}`).join("\n");
  writeFileSync(join(dir, "nvidia-smi"), `#!/bin/sh\n${lines}\n`, { mode: 0o755 });
  return dir;
}

function localSandbox(profile = "", bins: readonly string[] = []): { box: Sandbox; torchrun: string } {
  const torchrun = writeFakeTorchrun(tempDir());
  const toml = `[wandb]\nproject = "tr"\nentity = "tests"\nmode = "offline"\n\n[local]\nexecutor = "local"\nlauncher = "torchrun"\ngrace_seconds = 1\n${profile}\n`;
  const box = makeSandbox(tempDir(), toml);
  box.env["PATH"] = [torchrun, ...bins, box.env["PATH"] ?? "/usr/bin:/bin"].join(":");
  writeFileSync(join(box.root, "probe.py"), PROBE_PY);
  return { box, torchrun };
}

describe("torchrun on one node, local (a stand-in torchrun on PATH)", () => {
  it("starts N ranks; only RANK=0 keeps WANDB_RUN_ID and WANDB_RESUME, WANDB_RUN_GROUP reaches all", async () => {
    const { box } = localSandbox();
    const job = await launch(
      {
        name: "ddp",
        command: ["python3", "probe.py", "--lr", "1e-3"],
        resources: { nprocPerNode: 3 },
        tracking: { group: "sweep", resume: true },
      },
      sandboxOptions(box),
    );
    const { argv, ranks } = await ranOf(job);
    expect(argv).toEqual([
      ...HEAD,
      "--nproc-per-node=3",
      "--no-python",
      "/bin/sh",
      "-c",
      WRAPPER("WANDB_RESUME WANDB_RUN_ID"),
      "slipway-rank",
      "python3",
      "-u",
      "probe.py",
      "--lr",
      "1e-3",
    ]);
    const common = { WORLD_SIZE: "3", WANDB_RUN_GROUP: "sweep", argv: ["--lr", "1e-3"], unbuffered: true };
    expect(ranks).toEqual([
      {
        ...common,
        RANK: "0",
        LOCAL_RANK: "0",
        WANDB_RUN_ID: job.id,
        WANDB_RESUME: "allow",
        CUDA_VISIBLE_DEVICES: "-",
      },
      {
        ...common,
        RANK: "1",
        LOCAL_RANK: "1",
        WANDB_RUN_ID: "-",
        WANDB_RESUME: "-",
        CUDA_VISIBLE_DEVICES: "-",
      },
      {
        ...common,
        RANK: "2",
        LOCAL_RANK: "2",
        WANDB_RUN_ID: "-",
        WANDB_RESUME: "-",
        CUDA_VISIBLE_DEVICES: "-",
      },
    ]);
  });

  it("hands a python script to torchrun without its interpreter when no variable is rank 0's", async () => {
    const { box } = localSandbox("nproc_per_node = 2");
    const job = await launch(
      { name: "plain", command: ["python3", "probe.py", "x"], tracking: { runId: false } },
      sandboxOptions(box),
    );
    const { argv, ranks } = await ranOf(job);
    expect(argv).toEqual([...HEAD, "--nproc-per-node=2", "probe.py", "x"]);
    expect(ranks.map((r) => [r["RANK"], r["WANDB_RUN_ID"], r["unbuffered"]])).toEqual([
      ["0", "-", true],
      ["1", "-", true],
    ]);
  });

  it("gives every rank the profile's GPUs (gpu_ids) and starts one rank per GPU", async () => {
    const { box } = localSandbox('gpu_ids = ["1", "3"]', [fakeNvidiaSmi(4)]);
    const job = await launch({ name: "gpus", command: ["python3", "probe.py"] }, sandboxOptions(box));
    const { argv, ranks } = await ranOf(job);
    expect(argv.slice(0, 3)).toEqual([...HEAD, "--nproc-per-node=2"]);
    expect(ranks.map((r) => [r["RANK"], r["CUDA_VISIBLE_DEVICES"]])).toEqual([
      ["0", "1,3"],
      ["1", "1,3"],
    ]);
  });

  it("dry-runs without asking nvidia-smi: the torchrun argv and CUDA_VISIBLE_DEVICES are in the plan", async () => {
    const { box } = localSandbox('gpu_ids = ["1", "3"]');
    const { rendered } = await dryRun({ name: "dry", command: ["python3", "probe.py"] }, sandboxOptions(box));
    expect(rendered).toContain(
      `  command: torchrun --standalone --nnodes=1 --nproc-per-node=2 --no-python /bin/sh -c 'if [ "$RANK" != 0 ]; then unset WANDB_RUN_ID; fi; exec "$@"' slipway-rank python3 -u probe.py`,
    );
    expect(rendered).toContain("    CUDA_VISIBLE_DEVICES=1,3");
  });

  it("refuses more GPUs than nvidia-smi lists before starting anything, and marks the record failed", async () => {
    const { box } = localSandbox("gpus_per_node = 4", [fakeNvidiaSmi(2)]);
    const error = await launch(
      { name: "greedy", command: ["python3", "probe.py"] },
      sandboxOptions(box),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).message).toBe(
      "the job asks for 4 GPUs but nvidia-smi lists 2 on this machine (0, 1)",
    );
    expect((error as CommandError).code).toBe("GPU_UNAVAILABLE");
    const [record] = new JobStore(box.slipwayHome).list();
    expect(record).toMatchObject({ state: "failed", raw: "not-started" });
    expect(existsSync(new JobStore(box.slipwayHome).files(record?.id ?? "").log("stdout"))).toBe(false);
  });

  it("says no GPU was found when nvidia-smi is not on PATH", async () => {
    const { box } = localSandbox("gpus_per_node = 1");
    box.env["PATH"] =
      box.env["PATH"]
        ?.split(":")
        .filter((dir) => !existsSync(join(dir, "nvidia-smi")))
        .join(":") ?? "";
    const error = await launch(
      { name: "nogpu", command: ["python3", "probe.py"] },
      sandboxOptions(box),
    ).catch((e: unknown) => e);
    expect((error as SlipwayError).message).toBe("no GPU found: nvidia-smi is not on PATH");
  });

  it("cancels every rank: they share the job's process group", async () => {
    const { box } = localSandbox("nproc_per_node = 2");
    const job = await launch(
      { name: "long", command: ["sh", "-c", 'echo "pid $$"; exec sleep 60'] },
      sandboxOptions(box),
    );
    const pids = await waitForLines(job, 2, "pid ");
    expect((await job.cancel()).state).toBe("cancelled");
    for (const pid of pids) expect(await ended(pid), `rank pid ${pid} still runs`).toBe(true);
  });

  it("still refuses more than one node, with the reason", async () => {
    const { box } = localSandbox();
    const error = await launch(
      { name: "big", command: ["python3", "probe.py"], resources: { nodes: 2 } },
      sandboxOptions(box),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as UnsupportedError).reasons).toEqual([
      "nodes = 2: it runs on this machine only; use a slurm, kubernetes or ray profile for more than one node",
    ]);
  });
});

describeWithEngine("torchrun on one node, Docker (the stand-in mounted into busybox)", dockerDaemon(), () => {
  function dockerSandbox(wandb: string, env: Record<string, string>): Sandbox {
    const torchrun = writeFakeTorchrun(tempDir());
    const toml = [
      "[wandb]",
      'project = "tr"',
      'entity = "tests"',
      wandb,
      "",
      "[box]",
      'executor = "docker"',
      'image = "slipway-test/busybox:latest"',
      'pull = "never"',
      "rm = false",
      'launcher = "torchrun"',
      "nproc_per_node = 2",
      `mounts = ["${torchrun}:/opt/fake-torch:ro"]`,
      'env = { PATH = "/opt/fake-torch:/bin" }',
    ].join("\n");
    return makeSandbox(tempDir(), toml, env);
  }

  it("runs torchrun in the container: rank 0 alone keeps WANDB_RUN_ID (key in the secrets file)", async () => {
    const box = dockerSandbox('mode = "online"', { WANDB_API_KEY: CANARY_KEY });
    const job = await launch(
      { name: "ddp", command: ["sh", "-c", PROBE_SH, "probe", "a b"], tracking: { group: "sweep" } },
      sandboxOptions(box, "box"),
    );
    try {
      const { argv, ranks } = await ranOf(job);
      expect(argv).toEqual([
        ...HEAD,
        "--nproc-per-node=2",
        "--no-python",
        "/bin/sh",
        "-c",
        WRAPPER("WANDB_RUN_ID"),
        "slipway-rank",
        "sh",
        "-c",
        PROBE_SH,
        "probe",
        "a b",
      ]);
      const common = { WORLD_SIZE: "2", WANDB_RESUME: "-", WANDB_RUN_GROUP: "sweep", args: "a b" };
      expect(ranks).toEqual([
        { ...common, RANK: "0", LOCAL_RANK: "0", WANDB_RUN_ID: job.id },
        { ...common, RANK: "1", LOCAL_RANK: "1", WANDB_RUN_ID: "-" },
      ]);
    } finally {
      const cleaned = runCli(["cleanup"], { env: box.env, cwd: box.root });
      expect(cleaned.stderr).toContain(`${job.id}: removed container`);
    }
  });

  it("starts torchrun as the entrypoint with --no-python for a non-Python command", async () => {
    const box = dockerSandbox('mode = "offline"', {});
    const job = await launch(
      { name: "plain", command: ["sh", "-c", PROBE_SH, "probe"], tracking: { runId: false } },
      sandboxOptions(box, "box"),
    );
    try {
      const { argv, ranks } = await ranOf(job);
      expect(argv).toEqual([...HEAD, "--nproc-per-node=2", "--no-python", "sh", "-c", PROBE_SH, "probe"]);
      expect(ranks.map((r) => [r["RANK"], r["WORLD_SIZE"], r["WANDB_RUN_ID"]])).toEqual([
        ["0", "2", "-"],
        ["1", "2", "-"],
      ]);
    } finally {
      const cleaned = runCli(["cleanup"], { env: box.env, cwd: box.root });
      expect(cleaned.stderr).toContain(`${job.id}: removed container`);
    }
  });
});

async function waitForLines(job: JobHandle, count: number, prefix: string): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = (await collect(job.logs({ stream: "stdout" }))).filter((l) => l.startsWith(prefix));
    if (lines.length >= count) return lines.map((l) => Number(l.slice(prefix.length)));
    if (Date.now() > deadline)
      throw new Error(`only ${lines.length} of ${count} "${prefix}" lines after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether `pid` still runs: a zombie waiting for its (re)parent to reap it counts as ended. */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function ended(pid: number): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
