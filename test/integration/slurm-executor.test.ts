import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { attachJob } from "../../src/executors/registry.ts";
import { getJob } from "../../src/jobs.ts";
import { runtimeOf } from "../../src/runtime.ts";
import { dryRun, launch, type LaunchedJob } from "../../src/launch.ts";
import type { Recipe } from "../../src/job/recipe.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { defaultConnections } from "../../src/transport/connections.ts";
import type { SshRunner } from "../../src/transport/ssh/ssh-runner.ts";
import { until } from "../contract/harness.ts";
import { describeWithEngine, slurmCluster, type SlurmClusterAccess } from "../helpers/engine.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox, loginTransport } from "../helpers/slurm-sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

// The slurm executor against the real 3-node cluster of scripts/slurm/start-cluster.sh, over the real sshd.

const probe = join(import.meta.dirname, "wandb-probe.py");
const IN_CLUSTER = "/tmp/slipway-slurm/bin/in-cluster";

describeWithEngine("slurm executor on a real cluster", slurmCluster(), (value) => {
  const tempDir = useTempDirs();
  let parsed: SlurmClusterAccess | undefined;
  const access = (): SlurmClusterAccess => (parsed ??= JSON.parse(value) as SlurmClusterAccess);
  afterAll(async () => {
    await defaultConnections().close();
  });

  const sandbox = (settings: Record<string, string> = {}, extraToml = ""): Sandbox =>
    clusterSandbox(tempDir(), access(), settings, { extraToml });

  const start = (box: Sandbox, recipe: Recipe): Promise<LaunchedJob> =>
    launch(recipe, { ...sandboxOptions(box, "cluster"), detach: true });

  async function output(job: { logs: LaunchedJob["logs"] }, options: { index?: number } = {}) {
    const out: string[] = [];
    const err: string[] = [];
    for await (const line of job.logs({ stream: "stdout", ...options })) out.push(line);
    for await (const line of job.logs({ stream: "stderr", ...options })) err.push(line);
    return { out, err };
  }

  const login = (box: Sandbox): SshRunner => loginTransport(access(), box);

  it("runs a one-node job: state, exit code, both log streams, native id", async () => {
    const box = sandbox();
    const job = await start(box, { name: "hello", script: 'echo "hello from $(hostname)"; echo warn >&2' });
    expect(job.nativeId).toMatch(/^\d+$/);
    const status = await job.wait();
    expect(status).toMatchObject({ state: "succeeded", raw: "COMPLETED", exitCode: 0 });
    const { out, err } = await output(job);
    expect(out).toEqual([expect.stringMatching(/^hello from node[123]$/)]);
    expect(err).toEqual(["warn"]);
  });

  it("the CLI in the foreground streams the job's output and exits with its code", () => {
    const box = sandbox();
    const result = runCli(
      ["launch", "--profile", "cluster", "--", "bash", "-c", "echo out; echo err >&2; exit 3"],
      {
        env: box.env,
        cwd: box.root,
      },
    );
    expect(result.stdout).toBe("out\n");
    expect(result.stderr).toContain("err\n");
    expect(result.stderr).toMatch(/failed \(exit 3\)/);
    expect(result.status).toBe(3);
  });

  it("ten concurrent launches share one SSH connection and never open more than 10 channels", async () => {
    const box = sandbox();
    const shared = login(box);
    await shared.run("true");
    const before = shared.stats().connects;
    const jobs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => start(box, { name: `many-${i}`, script: `echo ${i}` })),
    );
    const statuses = await Promise.all(jobs.map((job) => job.wait()));
    expect(statuses.map((s) => s.state)).toEqual(Array.from({ length: 10 }, () => "succeeded"));
    expect(shared.stats().connects).toBe(before);
    expect(shared.stats().channels.maxOpen).toBeLessThanOrEqual(10);
  });

  it("reports a non-zero exit as failed with its code", async () => {
    const box = sandbox();
    const job = await start(box, { name: "fails", script: "echo about to fail; exit 7" });
    expect(await job.wait()).toMatchObject({ state: "failed", raw: "FAILED", exitCode: 7 });
  });

  it("runs a 2-node torchrun job: two hosts meet at the rendezvous on the first node", async () => {
    const box = sandbox();
    // A stand-in torchrun (PyTorch is not on the cluster): rank 0 listens on the rendezvous port, rank 1 connects;
    // each prints what it saw, so the test proves the two nodes really met at the address torchrun was given.
    const bin = tempDir();
    chmodSync(bin, 0o755);
    writeFileSync(join(bin, "torchrun"), FAKE_TORCHRUN, { mode: 0o755 });
    const job = await start(box, {
      name: "ddp",
      command: ["python3", "-c", "print('trainer')"],
      launcher: "torchrun",
      resources: { nodes: 2, nprocPerNode: 4 },
      env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin` },
    });
    const status = await job.wait();
    const { out, err } = await output(job);
    expect(status, err.join("\n")).toMatchObject({ state: "succeeded", exitCode: 0 });
    const seen = out.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, string>);
    expect(seen).toHaveLength(2);
    const [a, b] = seen.sort((x, y) => Number(x["rank"]) - Number(y["rank"]));
    expect(a?.["host"]).not.toBe(b?.["host"]);
    expect(a?.["peer"]).toBe(b?.["host"]);
    expect(b?.["peer"]).toBe(a?.["host"]);
    expect(a?.["endpoint"]).toBe(b?.["endpoint"]);
    // `python3 -c` is no script for torchrun: it runs as is (--no-python), each rank through the wrapper that keeps
    // WANDB_RUN_ID for RANK=0 only (the stand-in reads flags up to the first non-flag, /bin/sh).
    expect(a).toMatchObject({
      rank: "0",
      nnodes: "2",
      nproc: "4",
      "no-python": true,
      command: `/bin/sh -c if [ "$RANK" != 0 ]; then unset WANDB_RUN_ID; fi; exec "$@" slipway-rank python3 -c print('trainer')`,
    });
    expect(a?.["endpoint"]).toMatch(/^10\.77\.0\.1[123]:\d+$/);
  });

  it("runs an array with per-task logs", async () => {
    const box = sandbox();
    const job = await start(box, {
      name: "sweep",
      script: 'echo "task $SLURM_ARRAY_TASK_ID"; [ "$SLURM_ARRAY_TASK_ID" != 5 ] || exit 5',
      array: "0-3,5%2",
    });
    const status = await job.wait();
    expect(status).toMatchObject({ state: "failed", exitCode: 5 });
    expect(status.raw).toBe("array 1 failed, 4 succeeded");
    expect((await output(job, { index: 2 })).out).toEqual(["task 2"]);
    expect((await output(job, { index: 5 })).out).toEqual(["task 5"]);
    await expect(output(job, { index: 4 })).rejects.toThrow("has no array task 4 (its tasks: 0,1,2,3,5)");
  });

  it("starts a dependent job only after its dependency succeeded; refuses one on another cluster", async () => {
    const box = sandbox({}, `\n[elsewhere]\nextends = "cluster"\nport = 2200\n`);
    const marker = `dep-${Date.now()}`;
    const first = await start(box, { name: "first", script: `sleep 2; touch "$HOME/${marker}"` });
    // The record's label says where the first job runs: a profile of another login node cannot wait for it.
    await expect(
      dryRun({ name: "other", script: "true", dependsOn: [first.id] }, sandboxOptions(box, "elsewhere")),
    ).rejects.toThrow(
      `cannot depend on ${first.id}: it runs on slipway@127.0.0.1:2222, not on slipway@127.0.0.1:2200`,
    );
    const second = await start(box, {
      name: "second",
      script: `test -e "$HOME/${marker}" && echo "first had finished"`,
      dependsOn: [first.id],
    });
    const waiting = await second.status();
    expect(waiting).toMatchObject({ state: "pending", reason: "Dependency" });
    expect(await second.wait()).toMatchObject({ state: "succeeded" });
    expect((await output(second)).out).toEqual(["first had finished"]);
  });

  it("cancels a running job, removes its secrets file, and cancels again as a no-op", async () => {
    const box = sandbox();
    const job = await start(box, { name: "long", command: ["sleep", "300"] });
    await until("the job runs", async () => (await job.status()).state === "running");
    const dir = new JobStore(box.slipwayHome).read(job.id).detail["jobDir"];
    expect(typeof dir).toBe("string");
    const cancelled = await job.cancel();
    expect(cancelled).toMatchObject({ state: "cancelled", raw: "CANCELLED" });
    expect(await job.cancel()).toMatchObject({ state: "cancelled" });
    const files = await login(box).run(`ls -A ${String(dir)}`);
    expect(files.stdout.split("\n")).not.toContain("secrets.env");
  });

  it("a job killed before its trap ran: status still ends it, with Slurm's code, and removes the secrets file", async () => {
    const box = sandbox();
    // SIGKILL to the batch shell: its EXIT trap never runs, so no exit code is written and secrets.env stays.
    const job = await start(box, {
      name: "killed",
      script: 'scancel --signal=KILL --batch "$SLURM_JOB_ID"; sleep 30',
    });
    const status = await job.wait();
    expect(status.state).toBe("failed");
    expect(status.reason).toBe("killed by signal 9");
    const dir = String(new JobStore(box.slipwayHome).read(job.id).detail["jobDir"]);
    const files = await login(box).run(`ls -A ${dir}`);
    expect(files.stdout.split("\n")).toContain("job.sbatch");
    expect(files.stdout.split("\n")).not.toContain("exit-code");
    expect(files.stdout.split("\n")).not.toContain("secrets.env");
  });

  it("follows logs while the job runs, every line once", async () => {
    const box = sandbox();
    const job = await start(box, {
      name: "chatty",
      script: "for i in 1 2 3 4; do echo line $i; sleep 0.5; done; printf 'no newline'",
    });
    const lines: string[] = [];
    for await (const line of job.logs({ follow: true, stream: "stdout" })) lines.push(line);
    expect(lines).toEqual(["line 1", "line 2", "line 3", "line 4", "no newline"]);
  });

  it("delivers the W&B env: the real SDK in the job sees env.toml's values, the key arrives intact", async () => {
    const python = access().python;
    expect(python, "the cluster script provides a Python with wandb for jobs").toBeDefined();
    const box = sandbox();
    const job = await start(box, {
      name: "oracle",
      script: `${python ?? "python3"} ${probe} && printf 'key-sha256=%s\\n' "$(printf %s "$WANDB_API_KEY" | sha256sum | cut -d' ' -f1)"`,
      env: { WANDB_MODE: "offline", WANDB_SILENT: "true" },
      tracking: { group: "oracle", tags: ["slurm"] },
    });
    const status = await job.wait();
    const { out, err } = await output(job);
    expect(status, err.join("\n")).toMatchObject({ state: "succeeded" });
    const seen = JSON.parse(out.find((l) => l.startsWith("{")) ?? "{}") as Record<string, unknown>;
    expect(seen).toMatchObject({
      project: "slurm-e2e",
      entity: "team",
      group: "oracle",
      tags: ["slurm"],
      name: job.id,
      offline: true,
      api_key_present: true,
    });
    const sha = createHash("sha256").update(CANARY_KEY).digest("hex");
    expect(out).toContain(`key-sha256=${sha}`);
  });

  it("keeps the key out of the script, Slurm's stored batch script, argv, logs and readable files", async () => {
    const box = sandbox();
    const job = await start(box, { name: "canary", script: "sleep 3; echo done" });
    const remote = login(box);
    // While it runs: the secrets file is there, 0600 in a 0700 directory; Slurm's copy of the script has no key.
    const dir = String(new JobStore(box.slipwayHome).read(job.id).detail["jobDir"]);
    const modes = await remote.run(`stat -c '%a %n' ${dir} ${dir}/*`);
    for (const line of modes.stdout.trim().split("\n")) {
      const [mode, path] = line.split(" ");
      expect(mode, path).toBe(path === dir ? "700" : "600");
    }
    const batch = await remote.run(`scontrol write batch_script ${job.nativeId} -`);
    expect(batch.stdout).toContain("srun");
    expect(batch.stdout).not.toContain(CANARY_KEY);
    const argv = await remote.run("ps -eo args");
    expect(argv.stdout).not.toContain(CANARY_KEY);
    await job.wait();
    const listing = await remote.run(`ls -A ${dir}`);
    expect(listing.stdout.split("\n")).not.toContain("secrets.env");
    const after = await remote.run(`cat ${dir}/*; scontrol show job ${job.nativeId}`);
    expect(after.stdout).toContain("done");
    expect(after.stdout).not.toContain(CANARY_KEY);
    // slurmctld's own state (saved scripts and environments) has no trace of it either.
    expect(grepTree("/tmp/slipway-slurm/slurm", CANARY_KEY)).toEqual([]);
    // Nor does anything slipway printed or stored on this machine.
    const { rendered } = await dryRun({ name: "canary", script: "true" }, sandboxOptions(box, "cluster"));
    expect(rendered).toContain("WANDB_API_KEY in");
    expect(rendered + JSON.stringify(new JobStore(box.slipwayHome).list())).not.toContain(CANARY_KEY);
  });

  it("reattaches from a new process: status, logs, list with the native id, cleanup keeping the logs", async () => {
    const box = sandbox();
    const job = await start(box, { name: "later", script: "echo from the cluster" });
    await job.wait();
    const cli = (args: string[]) => runCli(args, { env: box.env, cwd: box.root });
    const status = cli(["status", job.id, "--json"]);
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(cli(["logs", job.id]).stdout).toBe("from the cluster\n");
    const list = cli(["list", "--json"]);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ id: job.id, executor: "slurm", nativeId: job.nativeId }),
    ]);
    // cleanup removes the job's directory on the cluster and keeps its logs here.
    const dir = String(new JobStore(box.slipwayHome).read(job.id).detail["jobDir"]);
    const cleanup = cli(["cleanup", job.id]);
    expect(cleanup.stderr).toContain(`${job.id}: removed ${dir} on slipway@127.0.0.1:2222 (logs kept)`);
    expect((await login(box).run(`test -e ${dir}`)).exitCode).toBe(1);
    expect(cli(["logs", job.id]).stdout).toBe("from the cluster\n");
    expect(cli(["cleanup", job.id]).stderr).toContain("already cleaned up (logs kept)");
    const handle = await getJob(job.id, { env: box.env, homeDir: box.home });
    expect(await handle.status()).toMatchObject({ state: "succeeded" });
    const runtime = runtimeOf({ env: box.env, homeDir: box.home, cwd: box.root });
    const attached = attachJob(runtime.store.read(job.id), runtime);
    expect(await attached.status()).toMatchObject({ state: "succeeded" });
    expect(await collectLines(attached.logs({ stream: "stdout" }))).toEqual(["from the cluster"]);
  });

  it("reattaches to a job whose record the previous version wrote (snake_case detail)", async () => {
    const box = sandbox();
    const job = await start(box, { name: "old", script: "echo old record; sleep 300" });
    const store = new JobStore(box.slipwayHome);
    const { jobDir, label } = store.read(job.id).detail;
    const { host, port, user, identity } = access();
    store.update(job.id, {
      detail: { tunnel: "ssh", host, host_key_policy: "strict", user, port, identity, target: label, jobDir },
    });
    const again = await getJob(job.id, { env: box.env, homeDir: box.home });
    await until("the job runs", async () => (await again.status()).state === "running");
    await until("its log is written", async () => (await collectLines(again.logs())).length > 0);
    expect(await collectLines(again.logs({ stream: "stdout" }))).toEqual(["old record"]);
    expect(await again.cancel()).toMatchObject({ state: "cancelled", raw: "CANCELLED" });
  });

  it('tunnel = "local" runs the same executor with the Slurm commands on this machine', async () => {
    // This machine plays the login node: its sbatch, squeue, … reach the test cluster's controller as root.
    const bin = tempDir();
    for (const command of ["sbatch", "squeue", "scancel", "scontrol", "sacct", "sinfo"]) {
      // The real binary by its path: by name, in-cluster's `env` would find this wrapper again.
      writeFileSync(join(bin, command), `#!/bin/sh\nexec ${IN_CLUSTER} /usr/bin/${command} "$@"\n`, {
        mode: 0o755,
      });
    }
    const toml = `[wandb]\nproject = "slurm-e2e"\n\n[onlogin]\nexecutor = "slurm"\ntunnel = "local"\npartition = "debug"\n`;
    const box = makeSandbox(tempDir(), toml, {
      WANDB_API_KEY: CANARY_KEY,
      PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
    });
    const job = await launch(
      { name: "onlogin", script: 'echo "ran on $(hostname)"; test -n "$WANDB_API_KEY"' },
      { ...sandboxOptions(box, "onlogin"), detach: true },
    );
    expect(await job.wait()).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect((await output(job)).out).toEqual([expect.stringMatching(/^ran on node[123]$/)]);
    const dir = String(new JobStore(box.slipwayHome).read(job.id).detail["jobDir"]);
    expect(dir.startsWith(join(box.home, ".slipway", "jobs"))).toBe(true);
    expect(existsSync(join(dir, "secrets.env"))).toBe(false);
    expect(readFileSync(join(dir, "exit-code"), "utf8")).toBe("0\n");
    // sbatch stores its caller's environment with the job; here the caller's environment has the key, so slipway
    // must have run sbatch without it.
    const saved = `/tmp/slipway-slurm/slurm/state/hash.${Number(job.nativeId) % 10}/job.${job.nativeId}`;
    expect(readFileSync(join(saved, "environment")).includes("SLIPWAY_HOME=")).toBe(true);
    expect(grepTree(saved, CANARY_KEY)).toEqual([]);
  });

  it("doctor checks the login node, Slurm's version and the partition", () => {
    const box = sandbox({}, `\n[wrong]\nextends = "cluster"\npartition = "nope"\n`);
    const result = runCli(["doctor", "--json"], { env: box.env, cwd: box.root });
    expect(result.status, "one profile fails its check").toBe(1);
    const rows = (
      JSON.parse(result.stdout) as { profiles: { name: string; ok: boolean; executorCheck: string }[] }
    ).profiles;
    const cluster = rows.find((r) => r.name === "cluster");
    expect(cluster?.ok).toBe(true);
    expect(cluster?.executorCheck).toMatch(
      /^Slurm 22\.05\.\d+ via slipway@127\.0\.0\.1:2222; partition debug up, 3 nodes$/,
    );
    const wrong = rows.find((r) => r.name === "wrong");
    expect(wrong?.ok).toBe(false);
    expect(wrong?.executorCheck).toContain('no partition "nope" (there: debug)');
  });

  it("reaches the login node through a jump host", async () => {
    const { jumpHost, jumpPort, user } = access();
    const box = sandbox({ jump: `${user}@${jumpHost}:${jumpPort}` });
    const known = readFileSync(access().knownHosts, "utf8");
    expect(known).toContain(`[${jumpHost}]:${jumpPort}`);
    const job = await start(box, { name: "jumped", script: "echo via the bastion" });
    expect(await job.wait()).toMatchObject({ state: "succeeded" });
    expect((await output(job)).out).toEqual(["via the bastion"]);
  });
});

async function collectLines(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

/** Files under `dir` whose content contains `needle` (unreadable files are skipped). */
function grepTree(dir: string, needle: string): string[] {
  const result = spawnSyncText("grep", ["-rl", "--", needle, dir]);
  return result.split("\n").filter((line) => line !== "");
}

function spawnSyncText(command: string, args: string[]): string {
  return spawnSync(command, args, { encoding: "utf8" }).stdout;
}

const FAKE_TORCHRUN = `#!/usr/bin/python3
# Stand-in for torchrun: parses its flags, meets the other node at --master-addr:--master-port, prints JSON.
import json, socket, sys, time
flags, rest = {}, sys.argv[1:]
while rest and rest[0].startswith("--"):
    key, _, value = rest.pop(0)[2:].partition("=")
    flags[key] = value
host = socket.gethostname()
addr, port, rank = flags["master-addr"], int(flags["master-port"]), int(flags["node-rank"])
if rank == 0:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", port))
    server.listen(1)
    conn, _ = server.accept()
else:
    for _ in range(100):
        try:
            conn = socket.create_connection((addr, port), timeout=2)
            break
        except OSError:
            time.sleep(0.1)
conn.sendall(host.encode() + b"\\n")
peer = conn.makefile().readline().strip()
print(json.dumps({"rank": str(rank), "host": host, "peer": peer, "endpoint": f"{addr}:{port}",
                  "nnodes": flags["nnodes"], "nproc": flags["nproc-per-node"], "command": " ".join(rest),
                  "no-python": "no-python" in flags}), flush=True)
`;
