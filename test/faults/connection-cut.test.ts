import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { launch } from "../../src/launch.ts";
import type { JobHandle } from "../../src/executors/types.ts";
import { defaultConnections } from "../../src/transport/connections.ts";
import { collect, until } from "../contract/harness.ts";
import { describeWithEngine, rayHead, slurmCluster, type SlurmClusterAccess } from "../helpers/engine.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox } from "../helpers/slurm-sandbox.ts";
import { tcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { followAndWait } from "../helpers/follow-and-wait.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

// Faults between slipway and an engine, injected by the test through a TCP proxy it controls: the engine keeps
// running, slipway loses it for a few seconds while a `wait()` and a `logs({ follow: true })` are open. Expected:
// both carry on once it is back, the follow with every line exactly once.

const tempDir = useTempDirs();
const TICKS = Array.from({ length: 12 }, (_, i) => `tick ${i + 1}`);
const TICKING = "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo tick $i; sleep 0.5; done";

/** Follows and waits on `job`; cuts the proxy once the job printed its first line, heals it `outageMs` later. */
async function rideOut(
  job: JobHandle,
  proxy: TcpProxy,
  outageMs = 3000,
): Promise<{ lines: string[]; ended: Awaited<ReturnType<JobHandle["wait"]>> }> {
  const followed = followAndWait(job);
  await followed.firstLine;
  proxy.cut();
  // Unreachable while the job goes on printing (each tick is 0.5 s: several are written meanwhile).
  await new Promise((resolve) => setTimeout(resolve, outageMs));
  proxy.heal();
  return { lines: followed.lines, ended: await followed.ended };
}

describeWithEngine(
  "faults: the SSH connection to a Slurm cluster cut during wait() and logs -f",
  slurmCluster(),
  (value) => {
    let proxy: TcpProxy | undefined;
    afterAll(async () => {
      proxy?.close();
      await defaultConnections().close();
    });

    it("carries on once the login node is reachable again, every line once", async () => {
      const access = JSON.parse(value) as SlurmClusterAccess;
      proxy = await tcpProxy(access.host, access.port);
      const box: Sandbox = clusterSandbox(tempDir(), access, { port: proxy.port });
      // The proxy is the same server under another port: its host key recorded for that port too.
      const known = readFileSync(access.knownHosts, "utf8");
      const line = known.split("\n").find((l) => l.startsWith(`[${access.host}]:${access.port} `));
      writeFileSync(
        join(box.home, ".ssh", "known_hosts"),
        `${known}${line?.replace(`:${access.port} `, `:${proxy.port} `) ?? ""}\n`,
      );
      const job = await launch(
        { name: "cut", script: TICKING },
        { ...sandboxOptions(box, "cluster"), detach: true },
      );
      await until("the job runs", async () => (await job.status()).state === "running");
      const { lines, ended } = await rideOut(job, proxy);
      expect(proxy.dropped()).toBeGreaterThan(0);
      expect(ended).toMatchObject({ state: "succeeded", exitCode: 0 });
      expect(lines).toEqual(TICKS);
    });
  },
);

describeWithEngine(
  "faults: the Ray dashboard unreachable for 20 s during wait() and logs -f",
  rayHead(),
  (address) => {
    let proxy: TcpProxy | undefined;
    afterAll(() => proxy?.close());

    it("carries on once the dashboard answers again, every line once", async () => {
      const url = new URL(address);
      proxy = await tcpProxy(url.hostname, Number(url.port));
      const box = makeSandbox(
        tempDir(),
        `[ray]\nexecutor = "ray"\naddress = "http://127.0.0.1:${proxy.port}"\n`,
      );
      const job = await launch(
        { name: "cut", script: TICKING },
        { ...sandboxOptions(box, "ray"), detach: true },
      );
      await until("the job runs", async () => (await job.status()).state === "running");
      // Longer than the job: it ends while the dashboard is away, and slipway learns so once it answers.
      const { lines, ended } = await rideOut(job, proxy, 20_000);
      expect(proxy.dropped()).toBeGreaterThan(0);
      expect(ended).toMatchObject({ state: "succeeded" });
      expect(lines.filter((l) => l.startsWith("tick "))).toEqual(TICKS);
      expect(await collect(job.logs({ stream: "stdout" }))).toEqual(expect.arrayContaining(TICKS));
    });
  },
);
