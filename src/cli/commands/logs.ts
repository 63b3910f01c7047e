import { getJob } from "../../jobs.ts";
import { runtimeOf } from "../../runtime.ts";
import { say } from "../output.ts";
import { pipeLogs } from "./pipe-logs.ts";

/**
 * `slipway logs [-f] [--tail n] [--since t] [--timestamps] [--json] [id]`: job stdout to stdout, job stderr to stderr,
 * in write order where the engine keeps it; Ctrl-C stops following.
 */
export async function runLogs(
  id: string | undefined,
  flags: {
    readonly follow?: true;
    readonly stream?: "stdout" | "stderr" | "all";
    readonly index?: number;
    readonly tail?: number;
    readonly since?: Date;
    readonly timestamps?: true;
    readonly json?: true;
  },
): Promise<number> {
  const job = await getJob(id);
  const record = runtimeOf().store.read(job.id);
  if (record.nativeId === "" && record.state === "failed") {
    // Refused before it reached its engine: there is no log, only the reason.
    say(`${job.id} never started: ${record.reason ?? "no reason recorded"}`);
    return 0;
  }
  const stop = new AbortController();
  const onInterrupt = (): void => {
    stop.abort();
  };
  process.once("SIGINT", onInterrupt);
  try {
    await pipeLogs(job, {
      follow: flags.follow === true,
      signal: stop.signal,
      stream: flags.stream ?? "all",
      ...(flags.index === undefined ? {} : { index: flags.index }),
      ...(flags.tail === undefined ? {} : { tail: flags.tail }),
      ...(flags.since === undefined ? {} : { since: flags.since }),
      timestamps: flags.timestamps === true,
      json: flags.json === true,
    });
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  return 0;
}
