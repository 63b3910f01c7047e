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
console.log(`slipway bench on Node ${process.version}, median of ${runs} runs`);
for (const [name, ms, note] of rows)
  console.log(`${name.padEnd(42)} ${ms.toFixed(1).padStart(7)} ms   ${note}`);
