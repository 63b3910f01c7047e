import type { JobHandle } from "../../executors/types.ts";

/** Copies a job's stdout to ours and its stderr to ours, concurrently, until the logs end or `signal` aborts. */
export async function pipeLogs(
  job: JobHandle,
  options: {
    readonly follow: boolean;
    readonly signal?: AbortSignal;
    readonly stream?: "stdout" | "stderr" | "all";
    readonly index?: number;
  },
): Promise<void> {
  const which = options.stream ?? "all";
  const copy = async (stream: "stdout" | "stderr", out: NodeJS.WriteStream): Promise<void> => {
    for await (const line of job.logs({
      follow: options.follow,
      stream,
      ...signalOf(options.signal),
      ...(options.index === undefined ? {} : { index: options.index }),
    })) {
      out.write(`${line}\n`);
    }
  };
  await Promise.all([
    which === "stderr" ? undefined : copy("stdout", process.stdout),
    which === "stdout" ? undefined : copy("stderr", process.stderr),
  ]);
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
