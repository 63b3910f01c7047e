import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { SlipwayError } from "../../../src/errors.ts";
import { launch } from "../../../src/launch.ts";
import { defaultConnections } from "../../../src/transport/connections.ts";
import { until } from "../../contract/harness.ts";
import { describeWithEngine, slurmCluster, type SlurmClusterAccess } from "../../helpers/engine.ts";
import { sandboxOptions } from "../../helpers/sandbox.ts";
import { clusterSandbox, loginTransport } from "../../helpers/slurm-sandbox.ts";
import { followAndWait } from "../../helpers/follow-and-wait.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

// The Slurm login node's sshd restarted between two polls, dropping every session: the listener killed with its
// sessions, then started again a few seconds later. Runs alone, after every other test (the "exclusive" project):
// every SSH session to the cluster is cut.

const tempDir = useTempDirs();
const script = join(import.meta.dirname, "..", "..", "..", "scripts", "slurm", "login-sshd.sh");
const loginSshd = (verb: "stop" | "start", quiet = false): void => {
  execFileSync("bash", [script, verb], { stdio: quiet ? "ignore" : "inherit" });
};
const TICKS = Array.from({ length: 24 }, (_, i) => `tick ${i + 1}`);

describeWithEngine(
  "faults: the Slurm login node's sshd restarted while a job runs",
  slurmCluster(),
  (value) => {
    afterAll(async () => {
      try {
        loginSshd("start", true);
      } catch {
        // it runs already
      }
      await defaultConnections().close();
    });

    it("rebuilds the pooled connection; wait() and the follow carry on, every line once", async () => {
      const access = JSON.parse(value) as SlurmClusterAccess;
      const box = clusterSandbox(tempDir(), access);
      const job = await launch(
        { name: "sshd", script: "for i in $(seq 24); do echo tick $i; sleep 0.5; done" },
        { ...sandboxOptions(box, "cluster"), detach: true },
      );
      await until("the job runs", async () => (await job.status()).state === "running");
      // The connection launch() and the polls use: the process-wide one for this target.
      const pooled = loginTransport(access, box);
      const connects = pooled.stats().connects;
      const followed = followAndWait(job);
      await followed.firstLine;
      loginSshd("stop");
      try {
        // The pooled connection sees its session dropped; the login node stays away a few seconds more, so the
        // polls meanwhile find nobody listening.
        await until("the pooled connection is down", () => !pooled.stats().connected, 10_000);
        await new Promise((resolve) => setTimeout(resolve, 3000));
      } finally {
        loginSshd("start");
      }
      const ended = await followed.ended;
      expect(ended).toMatchObject({ state: "succeeded", exitCode: 0 });
      expect(followed.lines).toEqual(TICKS);
      expect(pooled.stats().connects).toBeGreaterThan(connects);
    });

    it("checks the host key again on reconnect: a login node that comes back with another key is refused", async () => {
      const access = JSON.parse(value) as SlurmClusterAccess;
      const box = clusterSandbox(tempDir(), access);
      const job = await launch(
        { name: "sshd-key", script: "sleep 20" },
        { ...sandboxOptions(box, "cluster"), detach: true },
      );
      await until("the job runs", async () => (await job.status()).state === "running");
      const pooled = loginTransport(access, box);
      loginSshd("stop");
      try {
        await until("the pooled connection is down", () => !pooled.stats().connected, 10_000);
        // What the launching machine knows of the login node now differs from the key it will present.
        const other = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        writeFileSync(
          join(box.home, ".ssh", "known_hosts"),
          `[${access.host}]:${access.port} ssh-ed25519 ${other}\n`,
        );
      } finally {
        loginSshd("start");
      }
      const error = await job.status().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SlipwayError);
      expect((error as SlipwayError).message).toMatch(/host key/i);
    });
  },
);
