import { getJob } from "../../jobs.ts";
import { pipeLogs } from "./pipe-logs.ts";

/** `slipway logs [-f] [id]`: job stdout to stdout, job stderr to stderr; Ctrl-C stops following. */
export async function runLogs(
  id: string | undefined,
  flags: { readonly follow?: true; readonly stream?: "stdout" | "stderr" | "all" },
): Promise<number> {
  const job = await getJob(id);
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
    });
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  return 0;
}
