import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { EngineError, SlipwayError } from "../../src/errors.ts";
import { launch } from "../../src/launch.ts";
import type { Recipe } from "../../src/job/recipe.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { collect, until } from "../contract/harness.ts";
import { describeWithEngine, kubernetesCluster, type KubernetesClusterAccess } from "../helpers/engine.ts";
import { kubectlOf } from "../helpers/kubectl.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const SPARE_APISERVER = join(import.meta.dirname, "..", "..", "scripts", "kubernetes", "spare-apiserver.sh");

async function caught(promise: Promise<unknown>): Promise<SlipwayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SlipwayError)) throw new Error(`expected a SlipwayError, got ${String(error)}`);
  return error;
}

describeWithEngine("kubernetes executor: bad input and faults", kubernetesCluster(), (value) => {
  // Skipped (no cluster): the body only declares tests, with an empty value.
  const cluster = (value === "" ? {} : JSON.parse(value)) as KubernetesClusterAccess;
  const kubectl = kubectlOf(cluster);
  const sandbox = (extra = "", kubeconfig = cluster.kubeconfig): Sandbox =>
    makeSandbox(
      tempDir(),
      [
        "[k8s]",
        'executor = "kubernetes"',
        `image = "${cluster.images.busybox}"`,
        'image_pull_policy = "Never"',
        `namespace = "${cluster.namespace}"`,
        `kubeconfig = "${kubeconfig}"`,
        "grace_seconds = 2",
        extra,
        "",
      ].join("\n"),
      { WANDB_API_KEY: CANARY_KEY },
    );
  const start = (box: Sandbox, recipe: Recipe) =>
    launch(recipe, { ...sandboxOptions(box, "k8s"), detach: true });
  const sh = (script: string): Pick<Recipe, "command"> => ({ command: ["sh", "-c", script] });
  const jobsOf = (id: string): string =>
    kubectl("get", "jobs,secrets", "-l", `slipway.dev/job-id=${id}`, "-o", "name").trim();

  it("reports an image that cannot be pulled at once, as the reason the job waits", async () => {
    const box = sandbox();
    writeFileSync(box.config, readFileSync(box.config, "utf8").replace('"Never"', '"IfNotPresent"'));
    const job = await start(box, {
      name: "noimage",
      command: ["true"],
      image: "localhost:5999/no-such-image:1",
    });
    try {
      await until(
        "the status says why",
        async () => /ErrImagePull|ImagePullBackOff/.test((await job.status()).blocked ?? ""),
        60_000,
      );
      const status = await job.status();
      expect(status).toMatchObject({ state: "pending" });
      expect(status.blocked).toContain("localhost:5999/no-such-image:1");
    } finally {
      await job.cancel();
    }
  });

  it("says at once when no node can ever hold the pod (a GPU on a node without one)", async () => {
    const box = sandbox("gpus_per_node = 1");
    const job = await start(box, { name: "nogpu", command: ["true"] });
    try {
      await until("the status says why", async () => (await job.status()).blocked !== undefined, 60_000);
      const status = await job.status();
      expect(status).toMatchObject({ state: "pending", raw: "Pending/Unschedulable" });
      expect(status.blocked).toBe(
        "no node of the cluster has nvidia.com/gpu 1 (the most on one node: 0); ask for less (gpus_per_node)",
      );
      expect(status.reason).toMatch(
        /cannot be scheduled: 0\/1 nodes are available: 1 Insufficient nvidia\.com\/gpu/,
      );
    } finally {
      await job.cancel();
    }
  });

  it("shows the scheduler's reason as a wait when a node could hold the pod once it has room", async () => {
    const box = sandbox("cpus_per_node = 2");
    const first = await start(box, { name: "hog", command: ["sleep", "600"] });
    const second = await start(box, { name: "waits", command: ["true"] });
    try {
      await until(
        "the scheduler's reason shows",
        async () => ((await second.status()).reason ?? "").includes("Insufficient cpu"),
        60_000,
      );
      const status = await second.status();
      expect(status).toMatchObject({ state: "pending", raw: "Pending/Unschedulable" });
      expect(status.blocked).toBeUndefined();
    } finally {
      await Promise.all([first.cancel(), second.cancel()]);
    }
  });

  it("refuses a namespace that does not exist, naming it and how to create it; the record is failed", async () => {
    const box = sandbox('namespace = "no-such-ns"');
    const toml = readFileSync(box.config, "utf8").replace(`namespace = "${cluster.namespace}"\n`, "");
    writeFileSync(box.config, toml);
    const error = await caught(start(box, { name: "nowhere", command: ["true"] }));
    expect(error).toBeInstanceOf(EngineError);
    expect(error.message).toContain('namespaces "no-such-ns" not found');
    expect(error.hint).toBe(
      "create the namespace (kubectl create namespace no-such-ns) or set namespace in the profile",
    );
    expect(new JobStore(box.slipwayHome).list()[0]).toMatchObject({ state: "failed", raw: "not-started" });
  });

  it("names the missing permission when RBAC forbids creating the Secret, and leaves nothing behind", async () => {
    const box = sandbox("", cluster.limitedKubeconfig);
    const error = await caught(start(box, { name: "forbidden", command: ["true"] }));
    expect(error).toBeInstanceOf(EngineError);
    expect(error instanceof EngineError && error.status).toBe(403);
    expect(error.message).toMatch(
      /cannot create resource "secrets" in API group "" in the namespace "slipway-test"/,
    );
    expect(error.message).not.toContain(CANARY_KEY);
    const [record] = new JobStore(box.slipwayHome).list();
    await until("the suspended Job is gone", () => jobsOf(record?.id ?? "") === "");
    const doctor = runCli(["doctor"], { env: box.env, cwd: box.root });
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toContain(
      "✗ create secrets in slipway-test: denied (needed for the per-job Secret with the W&B key)",
    );
    expect(doctor.stdout).toContain("✓ create jobs.batch in slipway-test");
  });

  it("rides out an API server restart while a job runs: wait() and log follow recover, every line once", async () => {
    // A second API server of the same cluster: the other tests, on the first one, are not disturbed.
    const spare = (verb: "start" | "stop"): string => {
      const result = spawnSync("bash", [SPARE_APISERVER, verb], { encoding: "utf8" });
      if (result.status !== 0) throw new Error(`spare-apiserver.sh ${verb}: ${result.stderr}`);
      return result.stdout.trim();
    };
    const box = sandbox("", spare("start"));
    try {
      const job = await start(box, {
        name: "outage",
        ...sh("for i in $(seq 1 10); do echo tick $i; sleep 1; done"),
      });
      await until("the job runs", async () => (await job.status()).state === "running");
      const following = collect(job.logs({ follow: true }));
      const waiting = job.wait();
      await until("the first tick", () => kubectl("logs", `job/${job.id}`).includes("tick 1"));
      spare("stop");
      await until("the job goes on without that API server", () =>
        kubectl("logs", `job/${job.id}`).includes("tick 4"),
      );
      spare("start");
      expect(await waiting).toMatchObject({ state: "succeeded", exitCode: 0 });
      expect(await following).toEqual(Array.from({ length: 10 }, (_, i) => `tick ${i + 1}`));
    } finally {
      spare("stop");
    }
  });

  it("names the server and the kubeconfig when the API server cannot be reached", async () => {
    const box = sandbox();
    const kubeconfig = join(box.root, "dead.kubeconfig");
    writeFileSync(
      kubeconfig,
      readFileSync(cluster.kubeconfig, "utf8").replace("https://127.0.0.1:6443", "https://127.0.0.1:1"),
    );
    writeFileSync(box.config, readFileSync(box.config, "utf8").replace(cluster.kubeconfig, kubeconfig));
    const error = await caught(start(box, { name: "dead", command: ["true"] }));
    expect(error.code).toBe("ENGINE_UNREACHABLE");
    expect(error.message).toMatch(
      /^cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\), from kubeconfig .*dead\.kubeconfig \(context /,
    );
    const cli = runCli(["launch", "--profile", "k8s", "--", "true"], { env: box.env, cwd: box.root });
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toContain("cannot reach the Kubernetes API at https://127.0.0.1:1");
    expect(cli.stderr).not.toMatch(/\n\s+at /);
  });
});
