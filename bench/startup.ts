// Start-up figures for `npm run bench`: `slipway --help` and `slipway launch --dry-run` (a local and a Slurm profile)
// through bin/slipway, the command users run, against `node -e 0` on the same Node: wall time and peak memory.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

type Row = [string, number, string];

/** Median of `values`. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Measures the CLI's cold starts in `sandbox` (which gets its own env.toml) and returns the rows. The commands run in
 * turns, so a load that comes and goes on this shared machine weighs on all of them alike. Peak memory is the
 * kernel's max RSS, read at exit by a preloaded one-line hook (NODE_OPTIONS), in runs of their own so that the hook
 * never counts in the wall times.
 */
export function benchStartup(
  root: string,
  sandbox: string,
  env: Record<string, string>,
  runs: number,
): Row[] {
  writeFileSync(
    join(sandbox, "env.toml"),
    '[wandb]\nproject = "bench"\n\n[local]\nexecutor = "local"\n\n[cluster]\nexecutor = "slurm"\n' +
      'host = "login.example.org"\nuser = "bench"\npartition = "debug"\n',
  );
  const slipway = join(root, "bin", "slipway");
  const commands: [string, string, string[]][] = [
    ["node -e 0 (baseline)", process.execPath, ["-e", "0"]],
    ["slipway --help", slipway, ["--help"]],
    [
      "slipway launch --dry-run (local)",
      slipway,
      ["launch", "--dry-run", "-p", "local", "--", "python", "train.py"],
    ],
    [
      "slipway launch --dry-run (slurm)",
      slipway,
      ["launch", "--dry-run", "-p", "cluster", "--", "python", "train.py"],
    ],
  ];
  const hook = join(sandbox, "max-rss.cjs");
  writeFileSync(
    hook,
    'process.on("exit", () => require("node:fs").writeSync(3, String(process.resourceUsage().maxRSS)));\n',
  );
  const run = (file: string, args: string[], withHook: boolean): { ms: number; rssKiB: number } => {
    const start = performance.now();
    const result = spawnSync(file, args, {
      cwd: sandbox,
      env: withHook ? { ...env, NODE_OPTIONS: `--require ${hook}` } : env,
      stdio: ["ignore", "ignore", "ignore", "pipe"],
    });
    const ms = performance.now() - start;
    if (result.status !== 0)
      throw new Error(`bench: ${file} ${args.join(" ")} exited ${result.status ?? "by signal"}`);
    return { ms, rssKiB: Number(result.output[3]?.toString() ?? Number.NaN) };
  };
  const walls: number[][] = commands.map(() => []);
  const peaks: number[][] = commands.map(() => []);
  // Two rounds first: they fill the page cache and Node's compile cache, as any second use of the command would.
  for (let i = 0; i < runs + 2; i++) {
    for (const [k, [, file, args]] of commands.entries()) {
      const { ms } = run(file, args, false);
      if (i >= 2) walls[k]!.push(ms);
    }
  }
  for (let i = 0; i < Math.min(runs, 5); i++) {
    for (const [k, [, file, args]] of commands.entries()) peaks[k]!.push(run(file, args, true).rssKiB);
  }
  const [baseWall, basePeak] = [median(walls[0]!), median(peaks[0]!)];
  const targets = [undefined, 1.3, 2, 2];
  return commands.map(([name], k) => {
    const wall = median(walls[k]!);
    const peak = median(peaks[k]!);
    const mib = (peak / 1024).toFixed(1);
    if (k === 0) return [name, wall, `1.00×; peak ${mib} MiB`];
    const wallTarget = targets[k]!;
    return [
      name,
      wall,
      `${(wall / baseWall).toFixed(2)}× node (target ≤ ${wallTarget}×); peak ${mib} MiB, ` +
        `${(peak / basePeak).toFixed(2)}× node's (target ≤ 1.25×)`,
    ];
  });
}
