// The sweep figures for `npm run bench`: a 1,000-combination sweep on the Slurm test cluster through launchSweep()
// against one raw `sbatch --array=0-999` over the same open connection, and the status of its 1,000 tasks against
// one raw `squeue`. Jobs are submitted held (--hold), so none runs; all are cancelled.
import { launchSweep, type LaunchedSweep } from "../src/index.ts";
import { runtimeOf } from "../src/runtime.ts";
import { sweepStatus } from "../src/sweep/sweep-status.ts";
import { slurmBench, timed } from "./slurm-setup.ts";
import { median } from "./startup.ts";

type Row = [string, number, string];

const TASKS = 1000;
const ROUNDS = 5;

/** Runs the sweep benchmarks in `sandbox`; says why and returns nothing without the test cluster. */
export async function benchSweep(sandbox: string, env: Record<string, string>, home: string): Promise<Row[]> {
  const bench = await slurmBench("sweep", sandbox, env, home);
  if (bench === undefined) return [];
  const { options, connections, jobDir, run } = bench;
  const ids: string[] = [];
  const values = Array.from({ length: TASKS }, (_, i) => String(i));
  const recipe = { name: "bench-sweep", command: ["echo", "{n}"] };
  const raw: number[] = [];
  const ours: number[] = [];
  let last: LaunchedSweep | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const [took, id] = await timed(() =>
      run(`sbatch --parsable --hold -p debug -o /dev/null --array=0-${TASKS - 1} --wrap true`),
    );
    raw.push(took);
    ids.push(id.trim());
    const [sweepTook, sweep] = await timed(() =>
      launchSweep(recipe, { params: { n: values } }, { ...options, detach: true }),
    );
    if (sweep.jobs.length !== 1)
      throw new Error(`bench: the sweep made ${sweep.jobs.length} jobs, not one array`);
    ours.push(sweepTook);
    ids.push(...sweep.jobs.map((job) => job.nativeId));
    last = sweep;
  }
  if (last === undefined) throw new Error("bench: no sweep");
  const nativeId = last.jobs[0]?.nativeId ?? "";
  const runtime = runtimeOf(options);
  const statusRaw: number[] = [];
  const statusOurs: number[] = [];
  for (let i = 0; i < 7; i++) {
    statusRaw.push((await timed(() => run(`squeue -h -r -t all -j ${nativeId} -o '%i|%T|%r'`)))[0]);
    const [took, runs] = await timed(() => sweepStatus(last.record, runtime));
    if (runs.length !== TASKS || runs.some((r) => r.status.state !== "pending")) {
      throw new Error("bench: the held sweep's tasks are not all pending");
    }
    statusOurs.push(took);
  }
  await run(`scancel ${ids.join(" ")}; rm -rf ${jobDir}`);
  await connections.close();
  const [sbatch, sweep] = [median(raw), median(ours)];
  const [squeue, status] = [median(statusRaw.slice(2)), median(statusOurs.slice(2))];
  return [
    [`sbatch --array=0-${TASKS - 1} over the open connection (baseline)`, sbatch, "1.00×"],
    [
      `${TASKS}-combination sweep via launchSweep(), one array job`,
      sweep,
      `${(sweep / sbatch).toFixed(2)}× one raw sbatch (one sbatch round trip, plus the script and parameter file)`,
    ],
    [`squeue of the array's ${TASKS} tasks (baseline)`, squeue, "1.00×"],
    [`sweepStatus() of ${TASKS} tasks, one squeue`, status, `${(status / squeue).toFixed(2)}× raw squeue`],
  ];
}
