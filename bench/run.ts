// `npm run bench`: slipway's speed against baselines measured in the same run. Prints medians and ratios.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeHttp } from "../src/executors/ray/http-transport.ts";
import { dryRun, launch } from "../src/index.ts";
import { benchKubernetes } from "./kubernetes.ts";
import { benchList } from "./list.ts";
import { benchLoad } from "./load.ts";
import { benchShip } from "./ship.ts";
import { benchSlurm } from "./slurm.ts";
import { benchStartup, median } from "./startup.ts";
import { benchSweep } from "./sweep.ts";

const root = join(import.meta.dirname, "..");
const runs = Number(process.env["BENCH_RUNS"] ?? 20);

const sandbox = mkdtempSync(join(tmpdir(), "slipway-bench-"));
const home = join(sandbox, "home");
mkdirSync(home);
writeFileSync(join(sandbox, "env.toml"), '[wandb]\nproject = "bench"\n\n[local]\nexecutor = "local"\n');
const env: Record<string, string> = {
  PATH: process.env["PATH"] ?? "/usr/bin:/bin",
  HOME: home,
  SLIPWAY_HOME: join(sandbox, "store"),
};

async function timeAsync(body: () => Promise<void>, count = runs): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < count + 3; i++) {
    const start = performance.now();
    await body();
    if (i >= 3) samples.push(performance.now() - start);
  }
  return median(samples);
}

const rawSpawn = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn("true", [], { stdio: "ignore", env });
    child.on("error", reject);
    child.on("exit", () => {
      resolve();
    });
  });

const viaLaunch = async (): Promise<void> => {
  const job = await launch(
    { name: "bench", command: ["true"] },
    { profile: "local", cwd: sandbox, env, homeDir: home, onNotice: () => undefined },
  );
  await job.wait();
};

const startupRows = benchStartup(root, sandbox, env, runs);
writeFileSync(join(sandbox, "env.toml"), '[wandb]\nproject = "bench"\n\n[local]\nexecutor = "local"\n');
const raw = await timeAsync(rawSpawn);
const launched = await timeAsync(viaLaunch);
const dockerRows = await benchDocker();
const rayRows = await benchRay();
const slurmRows = await benchSlurm(sandbox, env, home);
const sweepRows = await benchSweep(sandbox, env, home);
const kubernetesRows = await benchKubernetes(sandbox, env, home, runs);
const listRows = await benchList(root, runs);
const loadRows = await benchLoad(sandbox, env);
const shipRows = await benchShip(join(sandbox, "ship"), env, home);
rmSync(sandbox, { recursive: true, force: true });

const rows: [string, number, string][] = [
  ...startupRows,
  ["raw child_process.spawn(true) (baseline)", raw, "1.00×"],
  [
    "launch() + wait() of true (package none)",
    launched,
    `${(launched / raw).toFixed(2)}× raw; +${(launched - raw).toFixed(1)} ms; target ≤ +30 ms`,
  ],
];
rows.push(
  ...dockerRows,
  ...rayRows,
  ...slurmRows,
  ...sweepRows,
  ...kubernetesRows,
  ...listRows,
  ...loadRows,
  ...shipRows,
);
console.log(`slipway bench on Node ${process.version}, median of ${runs} runs`);
for (const [name, ms, note] of rows)
  console.log(`${name.padEnd(42)} ${ms.toFixed(1).padStart(7)} ms   ${note}`);

/** Docker figures against the docker CLI on the same daemon and image; skipped (and said) without a daemon. */
async function benchDocker(): Promise<[string, number, string][]> {
  const image = "slipway-test/busybox:latest";
  const probe = spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" });
  if (probe.status !== 0) {
    console.log(
      `docker bench skipped: no daemon with ${image} (scripts/docker/start-dockerd.sh, build-test-images.sh)`,
    );
    return [];
  }
  writeFileSync(
    join(sandbox, "env.toml"),
    `[wandb]\nproject = "bench"\n\n[local]\nexecutor = "local"\n\n[box]\nexecutor = "docker"\nimage = "${image}"\n`,
  );
  // A key of the SDK's shape, so the secret file and its shell wrapper are part of what is measured.
  const dockerEnv = { ...env, WANDB_API_KEY: "0123456789abcdef".repeat(3) };
  const options = { profile: "box", cwd: sandbox, env: dockerEnv, homeDir: home, onNotice: () => undefined };
  const names: string[] = [];
  const docker = (args: string[]): void => {
    const result = spawnSync("docker", args, { stdio: "ignore" });
    if (result.status !== 0) throw new Error(`bench: docker ${args.join(" ")} failed`);
  };
  const cliRunning = await timeAsync(() => {
    const name = `slipway-bench-${names.length}`;
    names.push(name);
    docker(["run", "-d", "--init", "--name", name, image, "sleep", "30"]);
    return Promise.resolve();
  });
  const ourRunning = await timeAsync(async () => {
    const job = await launch({ name: "bench", command: ["sleep", "30"] }, options);
    names.push(`slipway-${job.id}`);
  });
  const cliTrue = await timeAsync(() => {
    docker(["run", "--rm", "--init", image, "true"]);
    return Promise.resolve();
  });
  const ourTrue = await timeAsync(async () => {
    const job = await launch({ name: "bench", command: ["true"] }, options);
    names.push(`slipway-${job.id}`);
    await job.wait();
  });
  spawnSync("docker", ["rm", "-f", ...names], { stdio: "ignore" });
  return [
    ["docker run -d (baseline)", cliRunning, "1.00×"],
    [
      "launch() on docker until running",
      ourRunning,
      `${(ourRunning / cliRunning).toFixed(2)}× docker run -d; target ≤ 1.1×`,
    ],
    ["docker run --rm true (baseline)", cliTrue, "1.00×"],
    [
      "launch() + wait() of true on docker",
      ourTrue,
      `${(ourTrue / cliTrue).toFixed(2)}× docker run --rm; target ≤ 1.2×`,
    ],
  ];
}

/** Ray submit latency against `ray job submit --no-wait` and one raw POST; skipped (and said) without a head. */
async function benchRay(): Promise<[string, number, string][]> {
  const address = process.env["SLIPWAY_TEST_RAY_ADDRESS"] ?? "http://127.0.0.1:8265";
  const ray = join(root, ".venv", "bin", "ray");
  const version = await nodeHttp({
    method: "GET",
    url: `${address}/api/version`,
    headers: {},
    timeoutMs: 5000,
  }).catch(() => undefined);
  if (version?.status !== 200 || !existsSync(ray)) {
    console.log(`ray bench skipped: no Ray head at ${address} or no ${ray} (scripts/ray/start-ray-head.sh)`);
    return [];
  }
  writeFileSync(
    join(sandbox, "env.toml"),
    `[wandb]\nproject = "bench"\n\n[ray]\nexecutor = "ray"\naddress = "${address}"\n`,
  );
  const rayRuns = Math.min(runs, 10);
  const stamp = Date.now().toString(36);
  let n = 0;
  const cli = timeCommandWith(rayRuns, ray, [
    "job",
    "submit",
    "--address",
    address,
    "--no-wait",
    "--submission-id",
    () => `bench-cli-${stamp}-${n++}`,
    "--",
    "true",
  ]);
  // The raw baseline posts the very body slipway plans (env_vars, metadata), so the ratio is slipway's own cost.
  const planned = (
    await dryRun(
      { name: "bench", command: ["true"] },
      { profile: "ray", cwd: sandbox, env, homeDir: home, onNotice: () => undefined },
    )
  ).plan as unknown as { body: Record<string, unknown> };
  const keyed = { ...env, WANDB_API_KEY: "0123456789abcdef".repeat(3) };
  const rawPost = async (): Promise<void> => {
    const body = JSON.stringify({ ...planned.body, submission_id: `bench-raw-${stamp}-${n++}` });
    const answer = await nodeHttp({
      method: "POST",
      url: `${address}/api/jobs/`,
      headers: { "content-type": "application/json" },
      body: Buffer.from(body),
      timeoutMs: 30_000,
    });
    if (answer.status !== 200) throw new Error(`bench: raw POST answered ${answer.status}`);
  };
  const launchWith = (launchEnv: Record<string, string>) => async (): Promise<void> => {
    await launch(
      { name: "bench", command: ["true"] },
      { profile: "ray", cwd: sandbox, env: launchEnv, homeDir: home, onNotice: () => undefined },
    );
  };
  // Every submit starts a job that loads this small machine, so the three are measured in turns, under one load.
  const [raw, ours, oursNoKey] = (await timeInTurns(
    [rawPost, launchWith(keyed), launchWith(env)],
    rayRuns,
  )) as [number, number, number];
  return [
    ["ray job submit --no-wait (baseline)", cli, "1.00×"],
    ["one raw POST of the same body (baseline)", raw, "1.00×"],
    [
      "launch() on ray, W&B key in a package",
      ours,
      `${(cli / ours).toFixed(1)}× faster than ray job submit (target ≥ 5×); ${(ours / raw).toFixed(2)}× raw POST (target ≤ 1.2×)`,
    ],
    ["launch() on ray, no secret to ship", oursNoKey, `${(oursNoKey / raw).toFixed(2)}× raw POST`],
  ];
}

async function timeInTurns(bodies: (() => Promise<void>)[], count: number): Promise<number[]> {
  const samples: number[][] = bodies.map(() => []);
  for (let i = 0; i < count + 2; i++) {
    for (const [k, body] of bodies.entries()) {
      const start = performance.now();
      await body();
      if (i >= 2) samples[k]!.push(performance.now() - start);
    }
  }
  return samples.map(median);
}

function timeCommandWith(count: number, file: string, args: (string | (() => string))[]): number {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const argv = args.map((arg) => (typeof arg === "string" ? arg : arg()));
    const start = performance.now();
    const result = spawnSync(file, argv, { env: { ...process.env, ...env }, stdio: "ignore" });
    const took = performance.now() - start;
    if (result.status !== 0)
      throw new Error(`bench: ${file} ${argv.join(" ")} exited ${result.status ?? "by signal"}`);
    samples.push(took);
  }
  return median(samples);
}
