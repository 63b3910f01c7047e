// The launching machine of test/faults/partition.test.ts, run by that test inside a network namespace of its own
// (`ip netns exec … node test/faults/partition-driver.ts <sandbox JSON> <window ms> <bound ms>`), where the test
// drops the login node's packets. It talks to the test in JSON lines: it prints {"ready"} once a job runs and its
// follow and wait() are open; on "partitioned" from stdin it calls status() one call after another for the window
// (each raced against twice the bound) and prints {"settled"}; on "healed" it prints how wait() and the follow ended.
import { createInterface } from "node:readline";
import type { JobStatus } from "../../src/job/job-state.ts";
import { launch } from "../../src/launch.ts";
import { defaultConnections } from "../../src/transport/connections.ts";
import { until } from "../contract/harness.ts";
import { followAndWait } from "../helpers/follow-and-wait.ts";
import { sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";

const [box, windowMs, boundMs] = [
  JSON.parse(process.argv[2] ?? "") as Sandbox,
  Number(process.argv[3]),
  Number(process.argv[4]),
];
const say = (message: object): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};
const commands: AsyncIterator<string> = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const expectCommand = async (want: string): Promise<void> => {
  const got = await commands.next();
  const value = got.done === true ? "the end of stdin" : got.value;
  if (value !== want) throw new Error(`partition-driver: expected "${want}" on stdin, got ${value}`);
};

const job = await launch(
  { name: "partition", script: "for i in $(seq 80); do echo tick $i; sleep 0.5; done" },
  { ...sandboxOptions(box, "cluster"), detach: true },
);
await until("the job runs", async () => (await job.status()).state === "running");
const followed = followAndWait(job);
await followed.firstLine;
say({ ready: job.id });

await expectCommand("partitioned");
const started = Date.now();
const settled: { ms: number; outcome: string }[] = [];
while (Date.now() - started < windowMs) {
  const start = Date.now();
  const outcome = await Promise.race([
    job.status().then(
      (status: JobStatus) => `status ${status.state}`,
      (error: unknown) => `error ${(error as { code?: string }).code ?? String(error)}`,
    ),
    new Promise<string>((resolve) =>
      setTimeout(() => {
        resolve("hung");
      }, boundMs * 2).unref(),
    ),
  ]);
  settled.push({ ms: Date.now() - start, outcome });
}
say({ settled });

await expectCommand("healed");
const ended = await followed.ended;
say({ ended, lines: followed.lines });
await defaultConnections().close();
process.exit(0);
