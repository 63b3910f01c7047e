// `npm run bench`: slipway's speed against baselines measured in the same run. Prints medians and ratios.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch } from "../src/index.ts";

const root = join(import.meta.dirname, "..");
const cli = join(root, "dist", "cli.js");
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timeCommand(args: string[]): number {
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: sandbox, env, stdio: "ignore" });
    const took = performance.now() - start;
    if (result.status !== 0)
      throw new Error(`bench: ${args.join(" ")} exited ${result.status ?? "by signal"}`);
    if (i >= 2) samples.push(took); // the first two warm the page cache
  }
  return median(samples);
}

async function timeAsync(body: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
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

const nodeBare = timeCommand(["-e", "0"]);
const help = timeCommand([cli, "--help"]);
const dry = timeCommand([cli, "launch", "--dry-run", "--", "python", "train.py"]);
const raw = await timeAsync(rawSpawn);
const launched = await timeAsync(viaLaunch);
const dockerRows = await benchDocker();
rmSync(sandbox, { recursive: true, force: true });

const rows: [string, number, string][] = [
  ["node -e 0 (baseline)", nodeBare, "1.00×"],
  ["slipway --help", help, `${(help / nodeBare).toFixed(2)}× node; target ≤ 150 ms`],
  ["slipway launch --dry-run", dry, `${(dry / nodeBare).toFixed(2)}× node`],
  ["raw child_process.spawn(true) (baseline)", raw, "1.00×"],
  [
    "launch() + wait() of true",
    launched,
    `${(launched / raw).toFixed(2)}× raw; +${(launched - raw).toFixed(1)} ms; target ≤ +30 ms`,
  ],
];
rows.push(...dockerRows);
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
