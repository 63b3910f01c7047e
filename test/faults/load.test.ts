import { readFileSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { cleanupJob } from "../../src/executors/cleanup-job.ts";
import { API_SOCKETS } from "../../src/executors/docker/docker-client.ts";
import { RAY_SOCKETS } from "../../src/executors/ray/http-transport.ts";
import { getJob, listJobs } from "../../src/jobs.ts";
import { launch } from "../../src/launch.ts";
import { runtimeOf } from "../../src/runtime.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { defaultConnections } from "../../src/transport/connections.ts";
import {
  describeWithEngine,
  DOCKER_TEST_IMAGES,
  dockerDaemon,
  kubernetesCluster,
  rayHead,
  slurmCluster,
  type KubernetesClusterAccess,
  type SlurmClusterAccess,
} from "../helpers/engine.ts";
import { until } from "../contract/harness.ts";
import { kubectlOf } from "../helpers/kubectl.ts";
import { launchMany } from "../helpers/launch-many.ts";
import { makeSandbox, sandboxOptions } from "../helpers/sandbox.ts";
import { clusterSandbox, loginTransport } from "../helpers/slurm-sandbox.ts";
import { largestWhile, tcpConnectionsTo, unixConnectionsTo } from "../helpers/open-sockets.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

// Load: 100 launch() calls at once from one process, per executor. Nothing lost, nothing doubled: 100 distinct ids,
// 100 records each with the engine's id, 100 distinct objects on the engine.

const tempDir = useTempDirs();
const COUNT = 100;

it(`${COUNT} concurrent local launches: every job ends once, with its record`, async () => {
  const box = makeSandbox(tempDir(), '[local]\nexecutor = "local"\n');
  const jobs = await launchMany(box, "local", ["true"], COUNT);
  const ended = await Promise.all(jobs.map((job) => job.wait()));
  expect(ended.every((status) => status.state === "succeeded")).toBe(true);
  expect(new JobStore(box.slipwayHome).list().every((record) => record.state === "succeeded")).toBe(true);
});

describeWithEngine(`${COUNT} concurrent launches on dockerd`, dockerDaemon(), (socket) => {
  it("give 100 distinct containers, each ending once, over a bounded number of sockets", async () => {
    const box = makeSandbox(
      tempDir(),
      `[box]\nexecutor = "docker"\nhost = "unix://${socket}"\nimage = "${DOCKER_TEST_IMAGES[0]}"\n` +
        'pull = "never"\n',
    );
    const sockets = () => unixConnectionsTo(socket);
    const launched = await largestWhile(sockets, () => launchMany(box, "box", ["true"], COUNT));
    // The short calls of 100 launches share the client's keep-alive sockets.
    expect(launched.max).toBeGreaterThan(0);
    expect(launched.max).toBeLessThanOrEqual(API_SOCKETS);
    const waited = await largestWhile(sockets, () => Promise.all(launched.result.map((job) => job.wait())));
    expect(waited.result.filter((status) => status.state !== "succeeded")).toEqual([]);
    // A wait holds a socket of its own until its container ends; the short calls stay within the bound.
    expect(waited.max).toBeLessThanOrEqual(COUNT + API_SOCKETS);
    await until("the waits' sockets are closed", async () => (await sockets()) <= API_SOCKETS);
    // The containers stay once they end (no rm = true): cleanup removes them.
    const runtime = runtimeOf(sandboxOptions(box, "box"));
    const cleaned = await Promise.all(
      launched.result.map((job) => cleanupJob(runtime.store.read(job.id), runtime)),
    );
    expect(cleaned.filter((result) => !result.cleaned)).toEqual([]);
  });
});

describeWithEngine(`${COUNT} concurrent launches on the Slurm cluster`, slurmCluster(), (value) => {
  afterAll(async () => {
    await defaultConnections().close();
  });

  it("give 100 distinct Slurm jobs over one connection, never more than 10 channels", async () => {
    const access = JSON.parse(value) as SlurmClusterAccess;
    // Held: submitted, never run, so the test loads slipway and sbatch, not the three nodes.
    const box = clusterSandbox(tempDir(), access, {}, { extraToml: 'sbatch_args = ["--hold"]\n' });
    const shared = loginTransport(access, box);
    await shared.run("true");
    const connects = shared.stats().connects;
    const jobs = await launchMany(box, "cluster", ["true"], COUNT);
    try {
      const queued = await shared.run(
        `squeue -h --me -t all -o %i --name=${jobs.map((job) => job.id).join(",")}`,
      );
      expect(new Set(queued.stdout.split("\n").filter((line) => line !== ""))).toEqual(
        new Set(jobs.map((job) => job.nativeId)),
      );
      expect(shared.stats().connects).toBe(connects);
      expect(shared.stats().channels.maxOpen).toBeLessThanOrEqual(10);
    } finally {
      await shared.run(`scancel ${jobs.map((job) => job.nativeId).join(" ")}`);
    }
  });
});

describeWithEngine(`${COUNT} concurrent launches on the Kubernetes cluster`, kubernetesCluster(), (value) => {
  it("give 100 distinct Jobs, each with its Secret", async () => {
    const cluster = (value === "" ? {} : JSON.parse(value)) as KubernetesClusterAccess;
    // Left suspended (a Kueue queue label; there is no Kueue here): the Jobs are made, no pod runs.
    const box = makeSandbox(
      tempDir(),
      `[k8s]\nexecutor = "kubernetes"\nimage = "${cluster.images.busybox}"\nnamespace = "${cluster.namespace}"\n` +
        `kubeconfig = "${cluster.kubeconfig}"\nqueue = "load"\nlabels = { "slipway.dev/load" = "${Date.now()}" }\n`,
      { WANDB_API_KEY: "0123456789abcdef".repeat(3) },
    );
    const label = /slipway\.dev\/load" = "(\d+)"/.exec(readFileSync(box.config, "utf8"))?.[1] ?? "";
    const kubectl = kubectlOf(cluster);
    try {
      const jobs = await launchMany(box, "k8s", ["true"], COUNT);
      const names = (kind: string) =>
        new Set(
          kubectl("get", kind, "-l", `slipway.dev/load=${label}`, "-o", "name")
            .split("\n")
            .filter((l) => l !== ""),
        );
      expect(names("jobs")).toEqual(new Set(jobs.map((job) => `job.batch/${job.id}`)));
      expect(names("secrets")).toEqual(new Set(jobs.map((job) => `secret/${job.id}-env`)));
    } finally {
      kubectl("delete", "jobs", "-l", `slipway.dev/load=${label}`, "--cascade=background", "--wait=false");
    }
  });
});

describeWithEngine(`${COUNT} concurrent status calls to the Ray head`, rayHead(), (address) => {
  it("share a bounded number of sockets to the dashboard", async () => {
    const box = makeSandbox(tempDir(), `[ray]\nexecutor = "ray"\naddress = "${address}"\n`);
    const options = sandboxOptions(box, "ray");
    // One job kept running, asked about 100 times at once: each asks the Jobs API (a launch each would start 100
    // Ray drivers on this machine).
    const job = await launch({ name: "asked", command: ["sleep", "60"] }, { ...options, detach: true });
    try {
      await until("the job runs", async () => (await job.status()).state === "running");
      const runtime = { env: box.env, homeDir: box.home, cwd: box.root };
      const sockets = () => tcpConnectionsTo(Number(new URL(address).port));
      const asked = await largestWhile(sockets, () =>
        Promise.all(Array.from({ length: COUNT }, async () => (await getJob(job.id, runtime)).status())),
      );
      expect(asked.result.map((status) => status.state)).toEqual(Array(COUNT).fill("running"));
      expect(asked.max).toBeGreaterThan(0);
      expect(asked.max).toBeLessThanOrEqual(RAY_SOCKETS);
      const listed = await largestWhile(sockets, () => listJobs(runtime));
      expect(listed.result.map(({ status }) => status.state)).toEqual(["running"]);
      expect(listed.max).toBeLessThanOrEqual(RAY_SOCKETS);
    } finally {
      await job.cancel();
    }
  });
});
