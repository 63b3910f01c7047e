import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { JobStatus } from "../../src/job/job-state.ts";
import { launch } from "../../src/launch.ts";
import { defaultConnections } from "../../src/transport/connections.ts";
import { until } from "../contract/harness.ts";
import { describeWithEngine, slurmCluster, type SlurmClusterAccess } from "../helpers/engine.ts";
import { sandboxOptions } from "../helpers/sandbox.ts";
import { clusterSandbox } from "../helpers/slurm-sandbox.ts";
import { tcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { followAndWait } from "../helpers/follow-and-wait.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

// A network partition: the route to the Slurm login node drops every packet for 30 s — no reset, no refusal, only
// silence — through a proxy the test controls. With `ServerAliveInterval 2` (3 unanswered keepalives end a
// connection) and `ConnectTimeout 5` in the launching machine's ~/.ssh/config, no call may hang: each returns or
// fails within those bounds, and once the route is back wait() and the follow finish the job, every line once.

const tempDir = useTempDirs();
const KEEPALIVE_S = 2;
const CONNECT_TIMEOUT_S = 5;
// A dead connection is noticed after 3 unanswered keepalives; a new one gives up after the connect timeout.
const BOUND_MS = (KEEPALIVE_S * 4 + CONNECT_TIMEOUT_S) * 1000;
const TICKS = Array.from({ length: 80 }, (_, i) => `tick ${i + 1}`);

describeWithEngine("faults: the Slurm login node blackholed for 30 s", slurmCluster(), (value) => {
  let proxy: TcpProxy | undefined;
  afterAll(async () => {
    proxy?.close();
    await defaultConnections().close();
  });

  it("no call hangs past its bound; wait() and the follow finish the job once the route is back", async () => {
    const access = JSON.parse(value) as SlurmClusterAccess;
    proxy = await tcpProxy(access.host, access.port);
    const box = clusterSandbox(tempDir(), access, { port: proxy.port });
    const known = readFileSync(access.knownHosts, "utf8");
    const line = known.split("\n").find((l) => l.startsWith(`[${access.host}]:${access.port} `));
    writeFileSync(
      join(box.home, ".ssh", "known_hosts"),
      `${known}${line?.replace(`:${access.port} `, `:${proxy.port} `) ?? ""}\n`,
    );
    writeFileSync(
      join(box.home, ".ssh", "config"),
      `Host *\n  ServerAliveInterval ${KEEPALIVE_S}\n  ConnectTimeout ${CONNECT_TIMEOUT_S}\n`,
    );
    const job = await launch(
      { name: "partition", script: "for i in $(seq 80); do echo tick $i; sleep 0.5; done" },
      { ...sandboxOptions(box, "cluster"), detach: true },
    );
    await until("the job runs", async () => (await job.status()).state === "running");
    const followed = followAndWait(job);
    await followed.firstLine;
    const partitionedAt = Date.now();
    proxy.blackhole();
    // Calls made during the partition, one after another: each must settle within the bound.
    const settled: { ms: number; outcome: string }[] = [];
    while (Date.now() - partitionedAt < 30_000 - BOUND_MS) {
      const start = Date.now();
      const outcome = await Promise.race([
        job.status().then(
          (status: JobStatus) => `status ${status.state}`,
          (error: unknown) => `error ${(error as { code?: string }).code ?? String(error)}`,
        ),
        new Promise<string>((resolve) =>
          setTimeout(() => {
            resolve("hung");
          }, BOUND_MS * 2),
        ),
      ]);
      settled.push({ ms: Date.now() - start, outcome });
    }
    proxy.heal();
    const ended = await followed.ended;
    expect(settled.length).toBeGreaterThan(0);
    for (const call of settled) {
      expect(call.outcome, JSON.stringify(settled)).not.toBe("hung");
      expect(call.ms, JSON.stringify(settled)).toBeLessThanOrEqual(BOUND_MS);
      expect(call.outcome, JSON.stringify(settled)).not.toMatch(/^status (failed|succeeded|cancelled)/);
    }
    expect(ended).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(followed.lines).toEqual(TICKS);
  });
});
