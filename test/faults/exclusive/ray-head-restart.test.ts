import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { launch } from "../../../src/launch.ts";
import { until } from "../../contract/harness.ts";
import { describeWithEngine, rayHead } from "../../helpers/engine.ts";
import { makeSandbox, sandboxOptions } from "../../helpers/sandbox.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

// The Ray head restarted under a running job: without external GCS storage Ray forgets every job, and the driver
// dies with the head. Runs alone, after every other test (the "exclusive" project): the shared head goes away.

const tempDir = useTempDirs();
const scripts = join(import.meta.dirname, "..", "..", "..", "scripts", "ray");
const ray = (script: "stop-ray-head.sh" | "start-ray-head.sh"): void => {
  execFileSync("bash", [join(scripts, script)], { stdio: "inherit" });
};

describeWithEngine("faults: the Ray head restarted while a job runs", rayHead(), (address) => {
  it("ends wait() failed, saying Ray no longer knows the job; the follow ends too, nothing hangs", async () => {
    const box = makeSandbox(tempDir(), `[ray]\nexecutor = "ray"\naddress = "${address}"\n`);
    const job = await launch(
      { name: "head", script: "echo started; sleep 300" },
      { ...sandboxOptions(box, "ray"), detach: true },
    );
    await until("the job runs", async () => (await job.status()).state === "running", 60_000);
    const lines: string[] = [];
    const following = (async () => {
      for await (const line of job.logs({ follow: true, stream: "stdout" })) lines.push(line);
    })();
    const waiting = job.wait();
    await until("the job's first line is seen", () => lines.includes("started"), 60_000);
    try {
      ray("stop-ray-head.sh");
    } finally {
      ray("start-ray-head.sh");
    }
    const [ended] = await Promise.all([waiting, following]);
    expect(ended).toMatchObject({
      state: "failed",
      reason: "Ray no longer knows this job (the head restarted or the job was deleted)",
    });
    expect(lines).toContain("started");
  });
});
