// Shipping figures for `npm run bench`: packing a 10 MB git project (`package = "dir"`), and on each engine here the
// time launch() takes to submit a job that ships it, against the same launch with `package = "none"`. A nonce file
// changes before every run, so no engine can reuse an earlier upload (Ray would skip a package it has).
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch } from "../src/index.ts";
import type { LaunchOptions } from "../src/launch.ts";
import { packCode } from "../src/package/pack-code.ts";
import { median } from "./startup.ts";

type Row = [string, number, string];

const RUNS = 5;
const MB = 1000 * 1000;

/** Runs the shipping benchmarks in `dir` (a fresh directory); engines that are not running are skipped, and said. */
export async function benchShip(dir: string, env: Record<string, string>, home: string): Promise<Row[]> {
  const big = project(join(dir, "big"), 10 * MB, env);
  // A Kubernetes ConfigMap holds 1 MiB: that executor ships a smaller project (and refuses the big one).
  const small = project(join(dir, "small"), 0.5 * MB, env);
  const keyed = { ...env, WANDB_API_KEY: "0123456789abcdef".repeat(3) };
  const rows: Row[] = [];
  const packSamples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await packCode("dir", big, { allowDirty: false, excludes: [], env });
    packSamples.push(performance.now() - start);
  }
  rows.push(["pack a 10 MB project (dir)", median(packSamples), "tar/zip made per executor at submit"]);
  const profiles = engineProfiles(home);
  for (const [kind, toml, after] of profiles) {
    const projectDir = kind === "kubernetes" ? small : big;
    writeFileSync(join(projectDir, "env.toml"), `[wandb]\nproject = "bench"\n\n${toml}`);
    const options: LaunchOptions = {
      profile: kind,
      cwd: projectDir,
      env: keyed,
      homeDir: home,
      onNotice: () => undefined,
      detach: true,
    };
    const ids: string[] = [];
    const time = async (mode: "none" | "dir"): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < RUNS + 1; i++) {
        writeFileSync(join(projectDir, "nonce.txt"), randomBytes(16).toString("hex"));
        const start = performance.now();
        const job = await launch({ name: "ship", command: ["true"], package: mode }, options);
        if (i > 0) samples.push(performance.now() - start);
        ids.push(job.id);
      }
      return median(samples);
    };
    try {
      const none = await time("none");
      const shipped = await time("dir");
      const size = kind === "kubernetes" ? "0.5 MB" : "10 MB";
      rows.push([
        `launch() on ${kind}, ${size} shipped (dir)`,
        shipped,
        `${(shipped / none).toFixed(2)}× package none (${none.toFixed(1)} ms); shipping +${(shipped - none).toFixed(1)} ms`,
      ]);
    } catch (error) {
      console.log(`ship bench on ${kind} failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      after(ids);
    }
  }
  return rows;
}

/** A committed git project of about `bytes`: 200 files of text (base64: compresses as code does, about 4:3). */
function project(dir: string, bytes: number, env: Record<string, string>): string {
  mkdirSync(join(dir, "src"), { recursive: true });
  const files = 200;
  for (let i = 0; i < files; i++) {
    const text = randomBytes(Math.floor(((bytes / files) * 3) / 4)).toString("base64");
    writeFileSync(join(dir, "src", `module_${i}.py`), `DATA = "${text}"\n`);
  }
  writeFileSync(join(dir, ".gitignore"), "nonce.txt\n");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@b", "-C", dir, ...args], {
      env: { ...env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "bench");
  return dir;
}

/** `[kind, profile table, clean-up of the jobs launched]` for each engine running here. */
function engineProfiles(home: string): [string, string, (ids: string[]) => void][] {
  const found: [string, string, (ids: string[]) => void][] = [];
  found.push(["local", '[local]\nexecutor = "local"\n', () => undefined]);
  const image = "slipway-test/busybox:latest";
  if (spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status === 0) {
    found.push([
      "docker",
      `[docker]\nexecutor = "docker"\nimage = "${image}"\npull = "never"\n`,
      (ids) => spawnSync("docker", ["rm", "-f", ...ids.map((id) => `slipway-${id}`)], { stdio: "ignore" }),
    ]);
  } else console.log(`ship bench: docker skipped (no daemon with ${image})`);
  const slurmFile = "/tmp/slipway-slurm/connection.json";
  if (existsSync(slurmFile)) {
    const access = JSON.parse(readFileSync(slurmFile, "utf8")) as Record<string, string | number>;
    mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
    copyFileSync(String(access["knownHosts"]), join(home, ".ssh", "known_hosts"));
    found.push([
      "slurm",
      `[slurm]\nexecutor = "slurm"\nhost = "${access["host"]}"\nport = ${access["port"]}\nuser = "${access["user"]}"\n` +
        `identity = "${access["identity"]}"\npartition = "debug"\nremote_job_dir = "~/.slipway/bench-ship"\n` +
        `sbatch_args = ["--hold"]\n`,
      (ids) => {
        if (ids.length > 0) spawnSync("scancel", ["--name", ids.join(",")], { stdio: "ignore" });
      },
    ]);
  } else console.log("ship bench: slurm skipped (no test cluster)");
  const address = process.env["SLIPWAY_TEST_RAY_ADDRESS"] ?? "http://127.0.0.1:8265";
  if (spawnSync("curl", ["-sf", `${address}/api/version`], { stdio: "ignore" }).status === 0) {
    found.push(["ray", `[ray]\nexecutor = "ray"\naddress = "${address}"\n`, () => undefined]);
  } else console.log(`ship bench: ray skipped (no head at ${address})`);
  const k8sFile = "/tmp/slipway-k8s/cluster.json";
  if (existsSync(k8sFile)) {
    const cluster = JSON.parse(readFileSync(k8sFile, "utf8")) as {
      kubeconfig: string;
      namespace: string;
      kubectl: string;
      images: { busybox: string };
    };
    found.push([
      "kubernetes",
      `[kubernetes]\nexecutor = "kubernetes"\nimage = "${cluster.images.busybox}"\nimage_pull_policy = "Never"\n` +
        `namespace = "${cluster.namespace}"\nkubeconfig = "${cluster.kubeconfig}"\n` +
        `labels = { "slipway.dev/bench" = "1" }\n`,
      () =>
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
            "slipway.dev/bench=1",
          ],
          { stdio: "ignore" },
        ),
    ]);
  } else console.log("ship bench: kubernetes skipped (no test cluster)");
  return found;
}
