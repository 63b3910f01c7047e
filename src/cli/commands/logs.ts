import { getJob } from "../../jobs.ts";
import { runtimeOf } from "../../runtime.ts";
import { say } from "../output.ts";
import { pipeLogs } from "./pipe-logs.ts";

/** `slipway logs [-f] [id]`: job stdout to stdout, job stderr to stderr; Ctrl-C stops following. */
export async function runLogs(
  id: string | undefined,
  flags: { readonly follow?: true; readonly stream?: "stdout" | "stderr" | "all"; readonly index?: number },
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
    });
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  return 0;
}
