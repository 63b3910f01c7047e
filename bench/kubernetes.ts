// Kubernetes figures for `npm run bench`, on the test cluster of scripts/kubernetes/start-cluster.sh: submit against
// `kubectl create -f` of the same manifests, the status of 200 jobs against one raw LIST, and pending -> running
// against the same Job created with kubectl. Every Job is deleted at the end.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dryRun, getJob, launch } from "../src/index.ts";
import { KubeApi } from "../src/executors/kubernetes/kube-api.ts";
import { loadKubeAccess } from "../src/executors/kubernetes/kube-config.ts";
import type { KubernetesPlan } from "../src/executors/kubernetes/plan.ts";
import { toYaml } from "../src/executors/kubernetes/yaml.ts";
import { median } from "./startup.ts";

type Row = [string, number, string];

interface Cluster {
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly kubectl: string;
  readonly images: { readonly busybox: string };
}

const STATUS_JOBS = 200;
const BENCH_LABEL = "slipway.dev/bench=1";

/** Runs the Kubernetes benchmarks in `sandbox`; says why and returns nothing without the test cluster. */
export async function benchKubernetes(
  sandbox: string,
  env: Record<string, string>,
  home: string,
  runs: number,
): Promise<Row[]> {
  const file = "/tmp/slipway-k8s/cluster.json";
  if (!existsSync(file)) {
    console.log("kubernetes bench skipped: no test cluster (bash scripts/kubernetes/start-cluster.sh)");
    return [];
  }
  const cluster = JSON.parse(readFileSync(file, "utf8")) as Cluster;
  const kubectl = (args: string[], input?: string): void => {
    const result = spawnSync(
      cluster.kubectl,
      ["--kubeconfig", cluster.kubeconfig, "-n", cluster.namespace, ...args],
      {
        encoding: "utf8",
        ...(input === undefined ? {} : { input }),
      },
    );
    if (result.status !== 0) throw new Error(`bench: kubectl ${args.join(" ")}: ${result.stderr}`);
  };
  const profile = (extra: string): void => {
    writeFileSync(
      join(sandbox, "env.toml"),
      `[wandb]\nproject = "bench"\n\n[k8s]\nexecutor = "kubernetes"\nimage = "${cluster.images.busybox}"\n` +
        `image_pull_policy = "Never"\nnamespace = "${cluster.namespace}"\nkubeconfig = "${cluster.kubeconfig}"\n` +
        `grace_seconds = 1\nlabels = { "slipway.dev/bench" = "1" }\n${extra}\n`,
    );
  };
  // A key of the SDK's shape, so every job has its Secret.
  const keyed = { ...env, WANDB_API_KEY: "0123456789abcdef".repeat(3) };
  const options = {
    profile: "k8s",
    cwd: sandbox,
    env: keyed,
    homeDir: home,
    onNotice: () => undefined,
    detach: true,
  };
  const count = Math.min(runs, 10);
  const rows: Row[] = [];
  try {
    // Submit: Jobs left suspended (a Kueue queue label, no Kueue here), so nothing runs and both sides make the same
    // objects; kubectl creates exactly the manifests slipway planned, the Secret's data filled in.
    for (const nodes of [1, 2]) {
      profile(`queue = "bench"\nnodes = ${nodes}`);
      const viaLaunch: number[] = [];
      const viaKubectl: number[] = [];
      for (let i = 0; i < count + 2; i++) {
        const started = performance.now();
        await launch({ name: "bench-submit", command: ["true"] }, options);
        const launched = performance.now() - started;
        const { plan } = await dryRun({ name: "bench-kubectl", command: ["true"] }, options);
        const manifests = manifestsOf(plan as KubernetesPlan);
        const before = performance.now();
        kubectl(["create", "-f", "-"], manifests);
        const created = performance.now() - before;
        if (i >= 2) {
          viaLaunch.push(launched);
          viaKubectl.push(created);
        }
      }
      const ours = median(viaLaunch);
      const theirs = median(viaKubectl);
      const what = nodes === 1 ? "Job + Secret" : "Job + Secret + Service, 2 nodes";
      rows.push([
        `k8s submit (${what}) via launch()`,
        ours,
        `${(ours / theirs).toFixed(2)}× kubectl create -f (${theirs.toFixed(0)} ms); target ≤ 0.5×`,
      ]);
    }

    // Status of 200 reattached jobs (one LIST) against one raw LIST of the same Jobs.
    profile('queue = "bench"');
    const ids = await Promise.all(
      Array.from(
        { length: STATUS_JOBS },
        async () => (await launch({ name: "bench-status", command: ["true"] }, options)).id,
      ),
    );
    const handles = await Promise.all(ids.map((id) => getJob(id, options)));
    const api = new KubeApi(
      await loadKubeAccess(
        { kubeconfig: cluster.kubeconfig, context: undefined },
        { env, homeDir: home, cwd: sandbox },
      ),
    );
    const statusTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < count + 2; i++) {
      const started = performance.now();
      await Promise.all(handles.map((handle) => handle.status()));
      const ours = performance.now() - started;
      const before = performance.now();
      // The same one LIST slipway makes for more than 100 jobs: every slipway Job of the namespace.
      await api.json({
        method: "GET",
        path: `/apis/batch/v1/namespaces/${cluster.namespace}/jobs`,
        query: { labelSelector: "slipway.dev/executor=kubernetes" },
      });
      const raw = performance.now() - before;
      if (i >= 2) {
        statusTimes.push(ours);
        rawTimes.push(raw);
      }
    }
    const status = median(statusTimes);
    const raw = median(rawTimes);
    rows.push([
      `k8s status() of ${STATUS_JOBS} jobs`,
      status,
      `${(status / raw).toFixed(2)}× one raw LIST (${raw.toFixed(1)} ms); target ≤ 1.2×`,
    ]);

    // Pending -> running: the time from submit to the first status saying running, polled every 50 ms either way.
    profile("");
    const ourLatency: number[] = [];
    const kubectlLatency: number[] = [];
    for (let i = 0; i < Math.min(count, 5); i++) {
      const started = performance.now();
      const job = await launch({ name: "bench-run", command: ["sleep", "30"] }, options);
      while ((await job.status()).state !== "running") await new Promise((r) => setTimeout(r, 50));
      ourLatency.push(performance.now() - started);
      await job.cancel();
      const { plan } = await dryRun({ name: "bench-run-kubectl", command: ["sleep", "30"] }, options);
      const unsuspended = manifestsOf(plan as KubernetesPlan).replace("suspend: true", "suspend: false");
      const before = performance.now();
      kubectl(["create", "-f", "-"], unsuspended);
      for (;;) {
        const job = await api.json<{ status?: { ready?: number } }>({
          method: "GET",
          path: `/apis/batch/v1/namespaces/${cluster.namespace}/jobs/${plan.jobId}`,
        });
        if ((job.status?.ready ?? 0) > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      kubectlLatency.push(performance.now() - before);
    }
    const ours = median(ourLatency);
    const theirs = median(kubectlLatency);
    rows.push([
      `k8s pending -> running via launch()`,
      ours,
      `${(ours / theirs).toFixed(2)}× kubectl create + poll (${theirs.toFixed(0)} ms)`,
    ]);
  } finally {
    kubectl(["delete", "jobs,secrets,services", "-l", BENCH_LABEL, "--cascade=background", "--wait=false"]);
  }
  return rows;
}

// The plan's manifests as `kubectl create -f` takes them: the Secret with its data (a bench key, not a real one).
function manifestsOf(plan: KubernetesPlan): string {
  const docs: unknown[] = [plan.job];
  if (plan.secret !== undefined) {
    const data = Object.fromEntries(
      Object.entries(plan.secret.values).map(([name, value]) => [
        name,
        Buffer.from(value.reveal()).toString("base64"),
      ]),
    );
    docs.push({ ...plan.secret.manifest, data });
  }
  if (plan.service !== undefined) docs.push(plan.service);
  return docs.map((doc) => `---\n${toYaml(doc)}`).join("");
}
