// `slipway list` over a store of 10,000 records, for `npm run bench`, against reading that many small files: a
// Node process that reads every record file and parses it, which is the least any list must do.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch } from "../src/index.ts";
import { median } from "./startup.ts";

type Row = [string, number, string];

const RECORDS = 10_000;

/** Fills a store with 10,000 records (copies of a real one, ids changed) and times `slipway list` on it. */
export async function benchList(root: string, runs: number): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "slipway-bench-list-"));
  const home = join(dir, "home");
  const store = join(dir, "store");
  writeFileSync(join(dir, "env.toml"), '[local]\nexecutor = "local"\n');
  const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, SLIPWAY_HOME: store };
  const job = await launch(
    { name: "seed", command: ["true"] },
    { profile: "local", cwd: dir, env, homeDir: home, onNotice: () => undefined },
  );
  await job.wait();
  const jobs = join(store, "jobs");
  const template = readFileSync(join(jobs, job.id, "job.json"), "utf8");
  for (let i = 0; i < RECORDS - 1; i++) {
    const id = `seed-${i.toString(36).padStart(6, "0")}`;
    cpSync(join(jobs, job.id), join(jobs, id), { recursive: true });
    writeFileSync(join(jobs, id, "job.json"), template.replaceAll(job.id, id), { mode: 0o600 });
  }
  const reader = `const fs=require("fs"),p=require("path");const d=${JSON.stringify(jobs)};let n=0;for(const id of fs.readdirSync(d)){n+=JSON.parse(fs.readFileSync(p.join(d,id,"job.json"),"utf8")).id.length}`;
  const time = (file: string, args: string[]): number => {
    const samples: number[] = [];
    for (let i = 0; i < Math.min(runs, 10); i++) {
      const start = performance.now();
      const result = spawnSync(file, args, { env: { ...process.env, ...env }, cwd: dir, stdio: "ignore" });
      if (result.status !== 0)
        throw new Error(`bench: ${file} ${args.join(" ")} exited ${String(result.status)}`);
      samples.push(performance.now() - start);
    }
    return median(samples);
  };
  const node = join(root, "node_modules", "node", "bin", "node");
  const baseline = time(node, ["-e", reader]);
  const listed = time(join(root, "bin", "slipway"), ["list", "--all"]);
  const count = readdirSync(jobs).length;
  rmSync(dir, { recursive: true, force: true });
  return [
    [`read + parse ${count} record files (baseline)`, baseline, "1.00×"],
    [`slipway list of ${count} records`, listed, `${(listed / baseline).toFixed(2)}× (target ≤ 2×)`],
  ];
}
