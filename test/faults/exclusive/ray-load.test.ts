import { expect, it } from "vitest";
import { RAY_SOCKETS } from "../../../src/executors/ray/http-transport.ts";
import { JobStore } from "../../../src/store/job-store.ts";
import { describeWithEngine, rayHead } from "../../helpers/engine.ts";
import { launchMany } from "../../helpers/launch-many.ts";
import { largestWhile, tcpConnectionsTo } from "../../helpers/open-sockets.ts";
import { makeSandbox } from "../../helpers/sandbox.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

// 100 launch() calls at once on Ray. Each job starts a supervisor (a Python worker) on the head, which Ray starts a
// few at a time: on a 2-core machine the 100 take a minute or two to run, and any other Ray test waiting meanwhile
// would wait behind them. So this runs alone, after every other test (the "exclusive" project).

const tempDir = useTempDirs();
const COUNT = 100;

describeWithEngine(`${COUNT} concurrent launches on the Ray head`, rayHead(), (address) => {
  it("give 100 distinct Ray jobs, each ending once, over a bounded number of sockets", async () => {
    const box = makeSandbox(tempDir(), `[ray]\nexecutor = "ray"\naddress = "${address}"\n`);
    const sockets = () => tcpConnectionsTo(Number(new URL(address).port));
    const launched = await largestWhile(sockets, () => launchMany(box, "ray", ["true"], COUNT));
    expect(launched.max).toBeGreaterThan(0);
    expect(launched.max).toBeLessThanOrEqual(RAY_SOCKETS);
    const waited = await largestWhile(sockets, () => Promise.all(launched.result.map((job) => job.wait())));
    expect(waited.result.filter((status) => status.state !== "succeeded")).toEqual([]);
    expect(waited.max).toBeLessThanOrEqual(RAY_SOCKETS);
    const records = new JobStore(box.slipwayHome).list();
    expect(records.filter((record) => record.state !== "succeeded")).toEqual([]);
    // Ray holds each submission once: the 100 submission ids, no more (asked last: fetch keeps its socket a while).
    const listed = (await (await fetch(`${address}/api/jobs/`)).json()) as { submission_id: string | null }[];
    const ids = new Set(launched.result.map((job) => job.nativeId));
    expect(listed.filter((job) => job.submission_id !== null && ids.has(job.submission_id))).toHaveLength(
      COUNT,
    );
  });
});
