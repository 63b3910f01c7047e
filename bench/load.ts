// Load figures for `npm run bench`: 100 launch() calls at once, per executor, against the same launches one at a
// time (20 measured, scaled to 100), with what every load must keep: 0 lost (100 records, each with its engine's
// id) and 0 duplicates (100 distinct ids and engine ids). Slurm's row is in bench/slurm.ts (its 100-job sweep).
// Ray's jobs (each a supervisor process on the head) are waited for before the next row, so their start-up load
// weighs on no other figure.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, type LaunchedJob } from "../src/index.ts";
import { JobStore } from "../src/store/job-store.ts";
import { timed } from "./slurm-setup.ts";

type Row = [string, number, string];

const COUNT = 100;
const ONE_BY_ONE = 20;

interface Target {
  readonly name: string;
  readonly toml: string;
  readonly cleanup: (jobs: readonly LaunchedJob[]) => void | Promise<void>;
}

/** The targets whose engines are up here; each one missing is said and left out. */
async function targets(): Promise<Target[]> {
  const found: Target[] = [
    { name: "local", toml: '[local]\nexecutor = "local"\n', cleanup: () => undefined },
  ];
  const image = "slipway-test/busybox:latest";
  if (spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status === 0) {
    found.push({
      name: "docker",
      toml: `[docker]\nexecutor = "docker"\nimage = "${image}"\npull = "never"\n`,
      cleanup: (jobs) => {
        spawnSync("docker", ["rm", "-f", ...jobs.map((job) => job.nativeId)], { stdio: "ignore" });
      },
    });
  } else console.log("load bench: docker skipped (no daemon with the test images)");
  const file = "/tmp/slipway-k8s/cluster.json";
  if (existsSync(file)) {
    const cluster = JSON.parse(readFileSync(file, "utf8")) as {
      kubeconfig: string;
      namespace: string;
      kubectl: string;
      images: { busybox: string };
    };
    // Left suspended (a Kueue queue label; no Kueue here): the Jobs and Secrets are made, no pod runs.
    found.push({
      name: "kubernetes",
      toml:
        `[kubernetes]\nexecutor = "kubernetes"\nimage = "${cluster.images.busybox}"\nnamespace = "${cluster.namespace}"\n` +
        `kubeconfig = "${cluster.kubeconfig}"\nqueue = "load"\nlabels = { "slipway.dev/bench-load" = "1" }\n`,
      cleanup: () => {
        spawnSync(
          cluster.kubectl,
          [
            "--kubeconfig",
            cluster.kubeconfig,
            "-n",
            cluster.namespace,
            "delete",
            "jobs",
            "-l",
            "slipway.dev/bench-load=1",
            "--cascade=background",
            "--wait=false",
          ],
          { stdio: "ignore" },
        );
      },
    });
  } else console.log("load bench: kubernetes skipped (no test cluster)");
  const ray = process.env["SLIPWAY_TEST_RAY_ADDRESS"] ?? "http://127.0.0.1:8265";
  const answered = await fetch(`${ray}/api/version`, { signal: AbortSignal.timeout(5_000) }).then(
    (response) => response.ok,
    () => false,
  );
  if (answered) {
    found.push({
      name: "ray",
      toml: `[ray]\nexecutor = "ray"\naddress = "${ray}"\n`,
      cleanup: async (jobs) => {
        await Promise.all(jobs.map((job) => job.wait()));
      },
    });
  } else console.log(`load bench: ray skipped (no Ray head answers ${ray}/api/version)`);
  return found;
}

/** Runs the load benchmarks, each target in a store of its own under `sandbox`. */
export async function benchLoad(sandbox: string, env: Record<string, string>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const target of await targets()) {
    const dir = mkdtempSync(join(sandbox, `load-${target.name}-`));
    const home = join(dir, "home");
    mkdirSync(home);
    writeFileSync(join(dir, "env.toml"), target.toml);
    // A key of the SDK's shape, so every job ships its secret as it would for a user.
    const keyed = {
      ...env,
      HOME: home,
      SLIPWAY_HOME: join(dir, "store"),
      WANDB_API_KEY: "0123456789abcdef".repeat(3),
    };
    const options = {
      profile: target.name,
      cwd: dir,
      env: keyed,
      homeDir: home,
      onNotice: () => undefined,
      detach: true,
    };
    const recipe = (i: number) => ({ name: `load-${i}`, command: ["true"] });
    const [together, jobs] = await timed(() =>
      Promise.all(Array.from({ length: COUNT }, (_, i) => launch(recipe(i), options))),
    );
    const [oneByOne, more] = await timed(async () => {
      const launched: LaunchedJob[] = [];
      for (let i = 0; i < ONE_BY_ONE; i++) launched.push(await launch(recipe(COUNT + i), options));
      return launched;
    });
    const records = new JobStore(keyed.SLIPWAY_HOME).list();
    const mine = records.filter((record) => jobs.some((job) => job.id === record.id));
    const lost = COUNT - mine.filter((record) => record.nativeId !== "").length;
    const duplicate =
      COUNT -
      new Set(jobs.map((job) => job.id)).size +
      (COUNT - new Set(jobs.map((job) => job.nativeId)).size);
    await target.cleanup([...jobs, ...more]);
    const sequential = (oneByOne / ONE_BY_ONE) * COUNT;
    rows.push([
      `${COUNT} launch() at once on ${target.name}`,
      together,
      `${lost} lost, ${duplicate} duplicate; ${(sequential / together).toFixed(1)}× faster than one at a time (${ONE_BY_ONE} measured, scaled: ${sequential.toFixed(0)} ms)`,
    ]);
  }
  return rows;
}
