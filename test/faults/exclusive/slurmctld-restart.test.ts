import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { JobStatus } from "../../../src/job/job-state.ts";
import { launch } from "../../../src/launch.ts";
import { defaultConnections } from "../../../src/transport/connections.ts";
import { until } from "../../contract/harness.ts";
import { describeWithEngine, slurmCluster, type SlurmClusterAccess } from "../../helpers/engine.ts";
import { sandboxOptions } from "../../helpers/sandbox.ts";
import { clusterSandbox } from "../../helpers/slurm-sandbox.ts";
import { followAndWait } from "../../helpers/follow-and-wait.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

// The Slurm scheduler restarted under a running job, as an admin's upgrade or a crash would: slurmctld stopped
// (the job goes on on its node), then started again from its saved state. Runs alone, after every other test
// (the "exclusive" project), since the whole cluster loses its scheduler meanwhile. The job runs 30 s: squeue needs
// ~9 s to give up on a controller that is gone, and the job must still run when it does.

const tempDir = useTempDirs();
const script = join(import.meta.dirname, "..", "..", "..", "scripts", "slurm", "slurmctld.sh");
const slurmctld = (verb: "stop" | "start", quiet = false): void => {
  execFileSync("bash", [script, verb], { stdio: quiet ? "ignore" : "inherit" });
};
const TICKS = Array.from({ length: 60 }, (_, i) => `tick ${i + 1}`);

describeWithEngine("faults: slurmctld restarted while a job runs", slurmCluster(), (value) => {
  afterAll(async () => {
    // Whatever happened above, the cluster gets its scheduler back.
    try {
      slurmctld("start", true);
    } catch {
      // it runs already
    }
    await defaultConnections().close();
  });

  it("says unknown (why) during the outage, never failed, then succeeded; the follow loses and repeats no line", async () => {
    const access = JSON.parse(value) as SlurmClusterAccess;
    const box = clusterSandbox(tempDir(), access);
    const job = await launch(
      { name: "restart", script: "for i in $(seq 60); do echo tick $i; sleep 0.5; done" },
      { ...sandboxOptions(box, "cluster"), detach: true },
    );
    await until("the job runs", async () => (await job.status()).state === "running");
    const followed = followAndWait(job);
    // wait() is open through the outage: had it taken "squeue failed" for the end, it would end failed here.
    await followed.firstLine;
    slurmctld("stop");
    let during: JobStatus;
    try {
      during = await job.status();
    } finally {
      slurmctld("start");
    }
    expect(during.state).toBe("unknown");
    expect(during.reason).toMatch(/^squeue failed on slipway@127\.0\.0\.1:2222: /);
    const ended = await followed.ended;
    expect(ended).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(followed.lines).toEqual(TICKS);
  });
});
