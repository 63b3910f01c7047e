import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { listJobs } from "../../src/jobs.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { defaultConnections } from "../../src/transport/connections.ts";
import { until } from "../contract/harness.ts";
import { describeWithEngine, slurmCluster, type SlurmClusterAccess } from "../helpers/engine.ts";
import { makeSandbox, type Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox, loginTransport } from "../helpers/slurm-sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

// Load through the CLI: 10 processes at once, each running 10 `slipway launch -d` one after the other, all on one
// job store. Nothing lost, nothing doubled: 100 ids printed, 100 records, each with the engine's id.

const tempDir = useTempDirs();
const PROCESSES = 10;
const EACH = 10;
const cli = join(import.meta.dirname, "..", "..", "src", "cli.ts");

/** Runs the 10 × 10 launches with `args` before `--`; resolves with every id printed, per process. */
async function launchFromProcesses(box: Sandbox, args: readonly string[]): Promise<string[]> {
  const quoted = args.map((arg) => `'${arg}'`).join(" ");
  const runs = Array.from(
    { length: PROCESSES },
    (_, p) =>
      new Promise<string[]>((resolve, reject) => {
        // One shell per process, launching its ten jobs one after the other, as a script in a loop would.
        const script = `for i in $(seq ${EACH}); do "$0" "$1" launch -d -n "cli-${p}-$i" ${quoted} -- true || exit 1; done`;
        const child = spawn("sh", ["-c", script, process.execPath, cli], {
          env: box.env,
          cwd: box.root,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
          if (code === 0) resolve(out.split("\n").filter((line) => line !== ""));
          else reject(new Error(`process ${p} exited ${String(code)}: ${err}`));
        });
      }),
  );
  return (await Promise.all(runs)).flat();
}

/** The ids are distinct and every one has its record, with the engine's id, as one list of the store shows. */
function checkRecords(box: Sandbox, ids: readonly string[]): void {
  expect(ids).toHaveLength(PROCESSES * EACH);
  expect(new Set(ids).size).toBe(PROCESSES * EACH);
  const records = new JobStore(box.slipwayHome).list();
  expect(new Set(records.map((record) => record.id))).toEqual(new Set(ids));
  expect(new Set(records.map((record) => record.nativeId)).size).toBe(PROCESSES * EACH);
  for (const record of records) expect(record.raw, record.id).not.toBe("submitting");
}

it(`${PROCESSES * EACH} CLI launches from ${PROCESSES} processes on this machine: every job ends once`, async () => {
  const box = makeSandbox(tempDir(), '[local]\nexecutor = "local"\n');
  const ids = await launchFromProcesses(box, ["-p", "local"]);
  checkRecords(box, ids);
  // listJobs asks each job that has not ended how it stands (a record alone stays "running" until someone asks).
  const options = { env: box.env, homeDir: box.home, cwd: box.root };
  await until(
    "every job has ended",
    async () => (await listJobs(options)).every(({ status }) => status.state === "succeeded"),
    120_000,
  );
});

describeWithEngine(
  `${PROCESSES * EACH} CLI launches from ${PROCESSES} processes on the Slurm cluster`,
  slurmCluster(),
  (value) => {
    afterAll(async () => {
      await defaultConnections().close();
    });

    it("give 100 distinct Slurm jobs, each recorded once", async () => {
      const access = JSON.parse(value) as SlurmClusterAccess;
      // Held: submitted, never run, so the test loads slipway, sshd and sbatch, not the three nodes.
      const box = clusterSandbox(tempDir(), access, {}, { extraToml: 'sbatch_args = ["--hold"]\n' });
      const ids = await launchFromProcesses(box, ["-p", "cluster"]);
      const login = loginTransport(access, box);
      try {
        checkRecords(box, ids);
        const queued = await login.run(`squeue -h --me -t all -o %j --name=${ids.join(",")}`);
        expect(
          queued.stdout
            .split("\n")
            .filter((line) => line !== "")
            .sort(),
        ).toEqual([...ids].sort());
      } finally {
        const natives = new JobStore(box.slipwayHome).list().map((record) => record.nativeId);
        await login.run(`scancel ${natives.join(" ")}`);
      }
    });
  },
);
