// Slurm figures for `npm run bench`: a 100-job sweep and the status of 200 jobs, against raw sbatch/squeue on the
// test cluster of scripts/slurm/start-cluster.sh. Jobs are submitted held (--hold), so none runs; all are cancelled.
import { spawnSync } from "node:child_process";
import { getJob, launch } from "../src/index.ts";
import { slurmBench, timed } from "./slurm-setup.ts";

type Row = [string, number, string];

const SWEEP = 100;
const SEPARATE = 20;

/** Runs the Slurm benchmarks in `sandbox`; says why and returns nothing without the test cluster. */
export async function benchSlurm(sandbox: string, env: Record<string, string>, home: string): Promise<Row[]> {
  const bench = await slurmBench("slurm", sandbox, env, home);
  if (bench === undefined) return [];
  const { access, options, connections, jobDir, run } = bench;
  const keyed = options.env;
  const ids: string[] = [];

  // Baseline 1: raw sbatch in a loop inside one open session.
  const [loop, loopIds] = await timed(() =>
    run(`for i in $(seq ${SWEEP}); do sbatch --parsable --hold -p debug -o /dev/null --wrap true; done`),
  );
  ids.push(...loopIds.split("\n").filter((l) => l !== ""));
  // Baseline 2: a new ssh per sbatch (measured for SEPARATE jobs, scaled to the sweep).
  const ssh = [
    "-F",
    access.sshConfig,
    "slurm-test",
    "sbatch --parsable --hold -p debug -o /dev/null --wrap true",
  ];
  const [separate] = await timed(() => {
    for (let i = 0; i < SEPARATE; i++) {
      const result = spawnSync("ssh", ssh, { encoding: "utf8" });
      if (result.status !== 0) throw new Error(`bench: ssh sbatch failed: ${result.stderr}`);
      ids.push(result.stdout.trim());
    }
    return Promise.resolve();
  });
  const separateSweep = (separate / SEPARATE) * SWEEP;

  // Ours: the sweep through launch(), all at once (one connection, channels queued), then one by one.
  const [sweep, jobs] = await timed(() =>
    Promise.all(
      Array.from({ length: SWEEP }, (_, i) => launch({ name: `bench-${i}`, command: ["true"] }, options)),
    ),
  );
  const [sequential] = await timed(async () => {
    for (let i = 0; i < SWEEP; i++)
      jobs.push(await launch({ name: `bench-s${i}`, command: ["true"] }, options));
  });
  ids.push(...jobs.map((job) => job.nativeId));

  // Status of 200 jobs from handles reattached by id, against one raw squeue over the open connection.
  const handles = await Promise.all(jobs.map((job) => getJob(job.id, { env: keyed, homeDir: home })));
  const squeue = "squeue -h -t all --me -r -o '%i|%T|%r'";
  const samples = { raw: [] as number[], ours: [] as number[] };
  for (let i = 0; i < 12; i++) {
    samples.raw.push((await timed(() => run(squeue)))[0]);
    const [took, statuses] = await timed(() => Promise.all(handles.map((h) => h.status())));
    if (statuses.some((s) => s.state !== "pending")) throw new Error("bench: a held job is not pending");
    samples.ours.push(took);
  }
  const rawStatus = median(samples.raw.slice(2));
  const ourStatus = median(samples.ours.slice(2));

  await run(`scancel ${ids.join(" ")}; rm -rf ${jobDir}`);
  await connections.close();
  return [
    [`${SWEEP} × sbatch in one session's loop (baseline)`, loop, "1.00×"],
    [`${SWEEP} × separate ssh host sbatch (baseline)`, separateSweep, `${SEPARATE} measured, scaled`],
    [
      `${SWEEP}-job sweep via launch(), concurrent`,
      sweep,
      `${(sweep / loop).toFixed(2)}× the loop (target ≤ 2×); ${(separateSweep / sweep).toFixed(1)}× faster than separate ssh (target ≥ 10×)`,
    ],
    [
      `${SWEEP}-job sweep via launch(), one by one`,
      sequential,
      `${(sequential / loop).toFixed(2)}× the loop`,
    ],
    ["squeue of 200 jobs over the open connection (baseline)", rawStatus, "1.00×"],
    [
      "status() of 200 reattached jobs",
      ourStatus,
      `${(ourStatus / rawStatus).toFixed(2)}× raw squeue, one round trip (target ≤ 1.5×)`,
    ],
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
