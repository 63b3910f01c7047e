import { execFile, spawnSync } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { isTerminal, type JobStatus } from "../../../src/job/job-state.ts";
import type { JobHandle } from "../../../src/executors/types.ts";
import { launch } from "../../../src/launch.ts";
import { daemonRestartReason } from "../../../src/executors/docker/states.ts";
import { collect, until } from "../../contract/harness.ts";
import { describeWithEngine, dockerDaemon, type EngineProbe } from "../../helpers/engine.ts";
import { makeSandbox, sandboxOptions } from "../../helpers/sandbox.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

// The Docker daemon restarts while a job runs, with a `wait()` and a `logs({ follow: true })` open. Done on a private
// daemon (scripts/docker/private-dockerd.sh) so that the shared one, which other tests use meanwhile, is never touched.
// With live restore the container outlives its daemon: the job succeeds and the follow has every line once. Without,
// the daemon stops the container as it shuts down: the job fails with a reason that names the restart.

const run = promisify(execFile);
const tempDir = useTempDirs();
const SCRIPT = join(import.meta.dirname, "..", "..", "..", "scripts", "docker", "private-dockerd.sh");
const TICKS = Array.from({ length: 20 }, (_, i) => `tick ${i + 1}`);
// The image has no bash: run under sh, not as a recipe's `script`.
const TICKING = "for i in $(seq 1 20); do echo tick $i; sleep 0.5; done";
// Start, restart and the job's 10 s with room to spare; nothing below may wait longer.
const BOUND_MS = 90_000;

/** The shared daemon (its busybox image is loaded into the private one), root, and the programs the script runs. */
function privateDaemonPossible(): EngineProbe {
  const shared = dockerDaemon();
  if (!shared.ok) return shared;
  if (process.getuid?.() !== 0) return { ok: false, reason: "starting a private dockerd needs root" };
  const tools = ["dockerd", "unshare", "curl"];
  const found = spawnSync(
    "sh",
    ["-c", `for t in ${tools.join(" ")}; do command -v "$t" || echo "no $t"; done`],
    {
      encoding: "utf8",
    },
  );
  const missing = found.stdout.split("\n").filter((line) => line.startsWith("no "));
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `${missing.join(", ")} on the PATH; run bash scripts/docker/start-dockerd.sh`,
    };
  }
  return shared;
}

/** Runs private-dockerd.sh (images come from the shared daemon at `shared`); its stderr in the error when it fails. */
async function privateDockerd(shared: string, ...args: string[]): Promise<string> {
  const env = { ...process.env, SLIPWAY_SHARED_DOCKER_SOCK: shared };
  try {
    const { stdout } = await run("bash", [SCRIPT, ...args], { timeout: BOUND_MS, encoding: "utf8", env });
    return stdout.trim();
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`private-dockerd.sh ${args.join(" ")} failed: ${stderr ?? String(error)}`, {
      cause: error,
    });
  }
}

/** `promise`, or a rejection naming `what` once `ms` passed: no case may hang. */
async function bounded<T>(what: string, promise: Promise<T>, ms = BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not end within ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Follows and waits on `job`; restarts its daemon once the job printed its first line. `restartedAfter`: how many
 * lines the follow had when the restarted daemon answered.
 */
async function rideOut(
  job: JobHandle,
  restart: () => Promise<unknown>,
): Promise<{ lines: string[]; ended: JobStatus; restartedAfter: number }> {
  const lines: string[] = [];
  let first: () => void = () => undefined;
  const seen = new Promise<void>((resolve) => (first = resolve));
  // Ends both on the way out, so that a failed case leaves nothing riding out the daemon's removal.
  const stop = new AbortController();
  const following = (async () => {
    for await (const line of job.logs({ follow: true, stream: "stdout", signal: stop.signal })) {
      lines.push(line);
      first();
    }
  })();
  const waiting = job.wait({ signal: stop.signal });
  // Neither may reject unobserved while the restart runs.
  following.catch(() => undefined);
  waiting.catch(() => undefined);
  try {
    await bounded("the first line", seen);
    await restart();
    const restartedAfter = lines.length;
    const [ended] = await bounded("wait() and the follow", Promise.all([waiting, following]));
    return { lines, ended, restartedAfter };
  } finally {
    stop.abort();
  }
}

describeWithEngine(
  "faults: the Docker daemon restarts during wait() and logs -f",
  privateDaemonPossible(),
  (shared) => {
    const started: string[] = [];
    afterAll(async () => {
      const failures: string[] = [];
      for (const n of started) {
        await privateDockerd(shared, "remove", n).catch((error: unknown) => failures.push(String(error)));
      }
      if (failures.length > 0) throw new Error(failures.join("\n"));
    }, BOUND_MS);

    async function startJob(n: string, flags: string[]): Promise<JobHandle> {
      started.push(n);
      const host = await privateDockerd(shared, "start", n, ...flags);
      const box = makeSandbox(
        tempDir(),
        `[box]\nexecutor = "docker"\nimage = "slipway-test/busybox:latest"\npull = "never"\nhost = "${host}"\n`,
      );
      const job = await launch(
        { name: "restart", command: ["sh", "-c", TICKING] },
        { ...sandboxOptions(box, "box"), detach: true },
      );
      await until("the job runs", async () => {
        const status = await job.status();
        if (isTerminal(status))
          throw new Error(`the job ended before the restart: ${JSON.stringify(status)}`);
        return status.state === "running";
      });
      return job;
    }

    it("with live restore: the container survives, wait() succeeds, every line once", async () => {
      const job = await startJob(`${process.pid}-live`, ["--live-restore"]);
      const { lines, ended, restartedAfter } = await rideOut(job, () =>
        privateDockerd(shared, "restart", `${process.pid}-live`),
      );
      expect(restartedAfter).toBeLessThan(TICKS.length);
      expect(ended).toMatchObject({ state: "succeeded", exitCode: 0 });
      expect(lines).toEqual(TICKS);
    });

    it("without live restore: the container is stopped, wait() fails naming the restart", async () => {
      const job = await startJob(`${process.pid}-plain`, []);
      const { lines, ended } = await rideOut(job, () =>
        privateDockerd(shared, "restart", `${process.pid}-plain`),
      );
      // Stopped as the daemon shut down: SIGTERM through the init process (143), SIGKILL after the grace period (137).
      expect([143, 137]).toContain(ended.exitCode);
      expect(ended).toEqual({
        state: "failed",
        raw: "exited",
        exitCode: ended.exitCode,
        reason: daemonRestartReason(ended.exitCode ?? 0),
      });
      // What it printed before it was stopped, each line once: the follow and the daemon's log agree.
      expect(lines.length).toBeGreaterThan(0);
      expect(lines).toEqual(TICKS.slice(0, lines.length));
      expect(await collect(job.logs({ stream: "stdout" }))).toEqual(lines);
    });
  },
);
