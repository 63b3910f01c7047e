import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { getJob } from "../../src/jobs.ts";
import { dryRun, launch } from "../../src/launch.ts";
import type { Recipe } from "../../src/job/recipe.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { collect, until } from "../contract/harness.ts";
import { describeWithEngine, kubernetesCluster, type KubernetesClusterAccess } from "../helpers/engine.ts";
import { kubectlOf } from "../helpers/kubectl.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();
// The test cluster's etcd, plain HTTP on loopback (scripts/kubernetes/start-cluster.sh).
const ETCD = "http://127.0.0.1:23790";
const probeScript = readFileSync(join(import.meta.dirname, "wandb-probe.py"), "utf8");

describeWithEngine("kubernetes executor on a real cluster", kubernetesCluster(), (value) => {
  // Skipped (no cluster): the body only declares tests, with an empty value.
  const cluster = (value === "" ? {} : JSON.parse(value)) as KubernetesClusterAccess;
  const kubectl = kubectlOf(cluster);
  const toml = (extra = "", image = cluster.images.busybox) =>
    [
      "[wandb]",
      'project = "kube-e2e"',
      'entity = "team"',
      'mode = "online"',
      "",
      "[k8s]",
      'executor = "kubernetes"',
      `image = "${image}"`,
      'image_pull_policy = "Never"',
      `namespace = "${cluster.namespace}"`,
      `kubeconfig = "${cluster.kubeconfig}"`,
      "grace_seconds = 5",
      extra,
      "",
    ].join("\n");
  const sandbox = (extra = "", image?: string): Sandbox =>
    makeSandbox(tempDir(), toml(extra, image), { WANDB_API_KEY: CANARY_KEY });
  const start = (box: Sandbox, recipe: Recipe) =>
    launch(recipe, { ...sandboxOptions(box, "k8s"), detach: true });
  const cli = (box: Sandbox, args: string[]) => runCli(args, { env: box.env, cwd: box.root });
  const sh = (script: string): Pick<Recipe, "command"> => ({ command: ["sh", "-c", script] });

  it("cancel sends SIGTERM to the process, keeps what it wrote after, and takes the Secret with the Job", async () => {
    const box = sandbox();
    const job = await start(box, {
      name: "term",
      ...sh("trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 1; done"),
    });
    await until("the job says ready", async () => (await collect(job.logs())).includes("ready"));
    expect(kubectl("get", "secret", `${job.id}-env`, "-o", "name")).toContain(job.id);
    const cancelled = await job.cancel();
    expect(cancelled).toMatchObject({ state: "cancelled" });
    expect(await collect(job.logs())).toEqual(["ready", "got TERM"]);
    await until(
      "the Secret is gone with the Job",
      () => kubectl("get", "secrets", "-l", `slipway.dev/job-id=${job.id}`, "-o", "name").trim() === "",
    );
  });

  it("retries a failing pod backoffLimit times, then fails with the exit code", async () => {
    const box = sandbox("retries = 1");
    const job = await start(box, { name: "retry", ...sh("echo attempt; exit 4") });
    expect(await job.wait()).toMatchObject({
      state: "failed",
      exitCode: 4,
      raw: "Failed/BackoffLimitExceeded",
    });
    expect(
      kubectl("get", "pods", "-l", `slipway.dev/job-id=${job.id}`, "-o", "name").trim().split("\n"),
    ).toHaveLength(2);
  });

  it("fails a job that runs past its time limit", async () => {
    const box = sandbox('time = "0:03"');
    const job = await start(box, { name: "slow", ...sh("sleep 600") });
    const ended = await job.wait();
    expect(ended).toMatchObject({ state: "failed", raw: "Failed/DeadlineExceeded" });
    expect(ended.reason).toContain("time limit reached (3 s)");
  });

  it("reports an OOM kill", async () => {
    const box = sandbox('memory = "8M"');
    // dd holds a 64 MiB buffer: over the limit at once.
    const job = await start(box, { name: "oom", ...sh("dd if=/dev/zero of=/dev/null bs=64M count=4") });
    const ended = await job.wait();
    expect(ended).toMatchObject({ state: "failed", exitCode: 137 });
    expect(ended.reason).toContain("OOM-killed");
  });

  it("follows logs while the job runs, every line once, the last without a newline", async () => {
    const box = sandbox();
    const job = await start(box, {
      name: "chatty",
      ...sh("for i in 1 2 3 4; do echo line $i; sleep 0.5; done; printf 'no newline'"),
    });
    const entries = [];
    for await (const entry of job.logEntries({ follow: true })) entries.push(entry);
    expect(entries.map((e) => e.line)).toEqual(["line 1", "line 2", "line 3", "line 4", "no newline"]);
    expect(entries.every((e) => e.stream === "stdout" && /^\d{4}-\d\d-\d\dT/.test(e.time ?? ""))).toBe(true);
  });

  it("runs 2 nodes as an Indexed Job: rank 1 reaches rank 0 at <job>-0.<svc>, both name each other", async () => {
    const box = sandbox("nodes = 2", cluster.images.python);
    const rendezvous = [
      "import os, socket, time",
      "rank = int(os.environ['NODE_RANK']); me = socket.gethostname(); port = int(os.environ['MASTER_PORT'])",
      "run_id = os.environ.get('WANDB_RUN_ID', '-')",
      "if rank == 0:",
      "    server = socket.create_server(('', port)); conn, _ = server.accept()",
      "else:",
      "    for _ in range(300):",
      "        try: conn = socket.create_connection((os.environ['MASTER_ADDR'], port), timeout=5); break",
      "        except OSError: time.sleep(0.2)",
      "conn.sendall(me.encode()); peer = conn.recv(256).decode()",
      "print(f'rank {rank} host {me} peer {peer} run_id {run_id} master {os.environ[\"MASTER_ADDR\"]}', flush=True)",
    ].join("\n");
    const job = await start(box, { name: "pair", command: ["python3", "-c", rendezvous] });
    const ended = await job.wait();
    const rank0 = (await collect(job.logs({ index: 0 }))).join("\n");
    const rank1 = (await collect(job.logs({ index: 1 }))).join("\n");
    expect(ended, `${rank0}\n${rank1}`).toMatchObject({ state: "succeeded", exitCode: 0 });
    const master = `${job.id}-0.slipway-${job.id}`;
    expect(rank0).toBe(`rank 0 host ${job.id}-0 peer ${job.id}-1 run_id ${job.id} master ${master}`);
    expect(rank1).toBe(`rank 1 host ${job.id}-1 peer ${job.id}-0 run_id - master ${master}`);
    // Cleanup keeps each node's log, the Service goes with the Job.
    expect(cli(box, ["cleanup", job.id]).status).toBe(0);
    const again = await getJob(job.id, sandboxOptions(box, "k8s"));
    expect((await collect(again.logs({ index: 1 }))).join("\n")).toBe(rank1);
    expect((await collect(again.logs())).join("\n")).toBe(rank0);
    await until(
      "the Service is gone",
      () => kubectl("get", "services", "-l", `slipway.dev/job-id=${job.id}`, "-o", "name").trim() === "",
    );
  });

  it("delivers the W&B env: the real SDK in the pod sees env.toml's values, the key arrives intact", async () => {
    const box = sandbox('workdir = "/tmp"', cluster.images.python);
    const job = await start(box, {
      name: "oracle",
      command: [
        "sh",
        "-c",
        `python3 -c "$PROBE" && printf 'key-sha256=%s\\n' "$(printf %s "$WANDB_API_KEY" | sha256sum | cut -d' ' -f1)"`,
      ],
      env: { WANDB_MODE: "offline", WANDB_SILENT: "true", PROBE: probeScript },
      tracking: { group: "oracle", tags: ["kubernetes"] },
    });
    const status = await job.wait();
    const out = await collect(job.logs());
    expect(status, out.join("\n")).toMatchObject({ state: "succeeded" });
    const seen = JSON.parse(out.find((l) => l.startsWith("{")) ?? "{}") as Record<string, unknown>;
    expect(seen).toMatchObject({
      project: "kube-e2e",
      entity: "team",
      group: "oracle",
      tags: ["kubernetes"],
      name: job.id,
      id: job.id,
      offline: true,
      api_key_present: true,
    });
    const sha = createHash("sha256").update(CANARY_KEY).digest("hex");
    expect(out).toContain(`key-sha256=${sha}`);
  });

  it("keeps the key only in the Secret: not in the Job, pods, events, annotations, logs, dry run or etcd elsewhere", async () => {
    const box = sandbox();
    const { plan } = await dryRun({ name: "canary", ...sh("echo hi") }, sandboxOptions(box, "k8s"));
    const rendered = cli(box, [
      "launch",
      "--dry-run",
      "--profile",
      "k8s",
      "--",
      "sh",
      "-c",
      "echo hi",
    ]).stdout;
    expect(JSON.stringify(plan) + rendered).not.toContain(CANARY_KEY);
    const job = await start(box, { name: "canary", ...sh("echo started; sleep 600") });
    await until("the pod runs", async () => (await job.status()).state === "running");
    const everything = [
      kubectl("get", "job", job.id, "-o", "yaml"),
      kubectl("get", "pods", "-l", `slipway.dev/job-id=${job.id}`, "-o", "yaml"),
      kubectl("get", "events", "-o", "yaml"),
      (await collect(job.logs())).join("\n"),
    ].join("\n");
    expect(everything).toContain("secretKeyRef");
    expect(everything).not.toContain(CANARY_KEY);
    expect(everything).not.toContain(Buffer.from(CANARY_KEY).toString("base64"));
    expect(everything).not.toContain("kubectl.kubernetes.io/last-applied-configuration");
    const secret = JSON.parse(kubectl("get", "secret", `${job.id}-env`, "-o", "json")) as {
      data: Record<string, string>;
      metadata: { ownerReferences: { uid: string; kind: string }[] };
    };
    expect(Buffer.from(secret.data["WANDB_API_KEY"] ?? "", "base64").toString()).toBe(CANARY_KEY);
    const record = new JobStore(box.slipwayHome).read(job.id);
    expect(secret.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Job", uid: record.detail["uid"] }),
    ]);
    // In etcd, only Secrets hold it: this job's, and those of other jobs of the suite not deleted yet.
    const holding = etcdKeysHolding(CANARY_KEY);
    expect(holding).toContain(`/registry/secrets/${cluster.namespace}/${job.id}-env`);
    expect(holding.filter((key) => !/^\/registry\/secrets\/[^/]+\/[^/]+-env$/.test(key))).toEqual([]);
    expect(readFileSync(new JobStore(box.slipwayHome).files(job.id).record, "utf8")).not.toContain(
      CANARY_KEY,
    );
    await job.cancel();
    await until("the Secret is gone", () => !etcdKeysHolding(CANARY_KEY).some((key) => key.includes(job.id)));
  });

  it("reattaches from new processes: status, logs, list --json and cleanup (logs kept after)", async () => {
    const box = sandbox();
    const job = await start(box, { name: "later", ...sh("echo one; echo two") });
    await job.wait();
    const status = cli(box, ["status", job.id, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: job.id, state: "succeeded", exitCode: 0 });
    expect(cli(box, ["logs", job.id]).stdout).toBe("one\ntwo\n");
    const listed = JSON.parse(cli(box, ["list", "--json"]).stdout) as { id: string; executor: string }[];
    expect(listed).toEqual([expect.objectContaining({ id: job.id, executor: "kubernetes" })]);
    const cleaned = cli(box, ["cleanup", job.id]);
    expect(cleaned.status, cleaned.stderr).toBe(0);
    await until(
      "the Job is gone",
      () => kubectl("get", "jobs", "-l", `slipway.dev/job-id=${job.id}`, "-o", "name").trim() === "",
    );
    expect(cli(box, ["logs", job.id]).stdout).toBe("one\ntwo\n");
    expect((await getJob(job.id, sandboxOptions(box, "k8s"))).nativeId).toBe(job.id);
  });

  it("a second submit of the same plan finds the Job instead of making another", async () => {
    const box = sandbox();
    const options = sandboxOptions(box, "k8s");
    const { plan } = await dryRun({ name: "twice", ...sh("sleep 600") }, options);
    const { buildExecutor } = await import("../../src/build-executor.ts");
    const executor = await buildExecutor("k8s", options);
    const first = await executor.submit(plan);
    const second = await executor.submit(plan);
    try {
      expect(second.detail).toEqual(first.detail);
      expect(
        kubectl("get", "jobs", "-l", `slipway.dev/job-id=${plan.jobId}`, "-o", "name").trim().split("\n"),
      ).toHaveLength(1);
    } finally {
      kubectl("delete", "job", plan.jobId, "--cascade=background", "--wait=false");
    }
  });

  // etcd's keys (current revision) whose value holds `text`, read through its JSON gateway on loopback.
  function etcdKeysHolding(text: string): string[] {
    const range = spawnSync(
      "curl",
      [
        "-sf",
        "-X",
        "POST",
        `${ETCD}/v3/kv/range`,
        "-d",
        JSON.stringify({
          key: Buffer.from("\0").toString("base64"),
          range_end: Buffer.from("\0").toString("base64"),
        }),
      ],
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
    );
    const kvs = (JSON.parse(range.stdout) as { kvs?: { key: string; value: string }[] }).kvs ?? [];
    return kvs
      .filter((kv) => Buffer.from(kv.value, "base64").includes(text))
      .map((kv) => Buffer.from(kv.key, "base64").toString());
  }
});
