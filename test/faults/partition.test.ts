import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, expect, it } from "vitest";
import {
  describeWithEngine,
  SLURM_LOGIN_COMMAND,
  slurmFromOwnNetns,
  type SlurmClusterAccess,
} from "../helpers/engine.ts";
import { ownNetns, type OwnNetns } from "../helpers/own-netns.ts";
import { clusterSandbox } from "../helpers/slurm-sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

// A network partition: the route to the Slurm login node drops every packet for 30 s — no reset, no refusal, only
// silence. The launching machine (partition-driver.ts, slipway's library in a Node process of its own) runs in a
// network namespace of the test's own, where the login node answers on 127.0.0.1 (the cluster's own login command
// behind socat, as in the machine's namespace); the test blackholes it with iptables drop rules in that namespace,
// which no other test can see. With `ServerAliveInterval 2` (3 unanswered keepalives end a connection) and
// `ConnectTimeout 5` in the launching machine's ~/.ssh/config, no call may hang: each returns or fails within those
// bounds, and once the route is back wait() and the follow finish the job, every line once.

const tempDir = useTempDirs();
const KEEPALIVE_S = 2;
const CONNECT_TIMEOUT_S = 5;
const PARTITION_MS = 30_000;
// A dead connection is noticed after 3 unanswered keepalives; a new one gives up after the connect timeout.
const BOUND_MS = (KEEPALIVE_S * 4 + CONNECT_TIMEOUT_S) * 1000;
const TICKS = Array.from({ length: 80 }, (_, i) => `tick ${i + 1}`);

describeWithEngine("faults: the Slurm login node blackholed for 30 s", slurmFromOwnNetns(), (value) => {
  let ns: OwnNetns | undefined;
  afterAll(() => ns?.close());

  it("no call hangs past its bound; wait() and the follow finish the job once the route is back", async () => {
    const access = JSON.parse(value) as SlurmClusterAccess;
    const box = clusterSandbox(tempDir(), access);
    writeFileSync(
      join(box.home, ".ssh", "config"),
      `Host *\n  ServerAliveInterval ${KEEPALIVE_S}\n  ConnectTimeout ${CONNECT_TIMEOUT_S}\n`,
    );
    ns = ownNetns(`slipway-partition-${process.pid}`);
    const listener = ns.spawn("socat", [
      `TCP-LISTEN:${access.port},bind=${access.host},reuseaddr,fork`,
      `EXEC:${SLURM_LOGIN_COMMAND},nofork`,
    ]);
    const driver = ns.spawn(process.execPath, [
      join(import.meta.dirname, "partition-driver.ts"),
      JSON.stringify(box),
      String(PARTITION_MS - BOUND_MS),
      String(BOUND_MS),
    ]);
    let stderr = "";
    for (const child of [listener, driver])
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const said: AsyncIterator<string> = createInterface({ input: driver.stdout! })[Symbol.asyncIterator]();
    const next = async <T>(): Promise<T> => {
      const got = await said.next();
      if (got.done === true)
        throw new Error(`the driver ended early (exit ${String(driver.exitCode)}):\n${stderr}`);
      return JSON.parse(got.value) as T;
    };

    await next<{ ready: string }>();
    ns.blackhole(access.port);
    driver.stdin!.write("partitioned\n");
    const { settled } = await next<{ settled: { ms: number; outcome: string }[] }>();
    ns.heal();
    driver.stdin!.write("healed\n");
    const { ended, lines } = await next<{ ended: object; lines: string[] }>();

    expect(settled.length).toBeGreaterThan(0);
    for (const call of settled) {
      expect(call.outcome, JSON.stringify(settled)).not.toBe("hung");
      expect(call.ms, JSON.stringify(settled)).toBeLessThanOrEqual(BOUND_MS);
      expect(call.outcome, JSON.stringify(settled)).not.toMatch(/^status (failed|succeeded|cancelled)/);
    }
    // The partition was real: the pooled connection died, so some call during it failed or came back unknown.
    expect(
      settled.some((call) => !call.outcome.startsWith("status running")),
      JSON.stringify(settled),
    ).toBe(true);
    expect(ended).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(lines).toEqual(TICKS);
  });
});
