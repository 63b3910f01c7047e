import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";
import { shq } from "../../shell-quote.ts";
import type { CommandRunner } from "../../transport/command-runner.ts";

/** Splits a byte stream into lines, keeping a partial last line (and split UTF-8 characters) for later. */
class LineSplitter {
  readonly #decoder = new StringDecoder("utf8");
  #partial = "";
  bytes = 0;

  push(chunk: Buffer): string[] {
    this.bytes += chunk.length;
    const lines = (this.#partial + this.#decoder.write(chunk)).split("\n");
    this.#partial = lines.pop() ?? "";
    return lines;
  }

  end(): string[] {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = "";
    return rest === "" ? [] : [rest];
  }
}

/**
 * Lines of log files on the cluster, read over the transport's connection: what is there now, one file after the
 * other.
 *
 * @example
 * ```ts
 * for await (const line of readRemoteFiles(transport, ["/home/me/.slipway/jobs/a/stdout.log"])) console.log(line);
 * ```
 */
export async function* readRemoteFiles(
  transport: CommandRunner,
  paths: readonly string[],
): AsyncGenerator<string> {
  for (const path of paths) {
    const { stdout } = await transport.run(`cat ${shq(path)} 2>/dev/null; true`);
    const lines = stdout.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    yield* lines;
  }
}

/**
 * Follows log files on the cluster with `tail -F` over the shared connection (files that do not exist yet are
 * waited for), in the order lines arrive, until `isDone` says the job ended; then reads whatever the tails had not
 * delivered yet from the byte offsets already seen, so nothing is lost or repeated.
 *
 * @example
 * ```ts
 * for await (const line of followRemoteFiles(transport, paths, isDone, signal)) console.log(line);
 * ```
 */
export async function* followRemoteFiles(
  transport: CommandRunner,
  paths: readonly string[],
  isDone: () => Promise<boolean>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const stop = new AbortController();
  const onAbort = (): void => {
    stop.abort();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const splitters = paths.map(() => new LineSplitter());
  const tails = paths.map((path, i) =>
    transport
      .run(`exec tail -c +1 -F ${shq(path)} 2>/dev/null`, {
        signal: stop.signal,
        onStdout: (chunk) => {
          queue.push(...(splitters[i]?.push(chunk) ?? []));
          wake?.();
        },
      })
      .catch(() => undefined),
  );
  try {
    let lastCheck = 0;
    for (;;) {
      while (queue.length > 0) yield queue.shift() ?? "";
      if (signal?.aborted === true) return;
      if (Date.now() - lastCheck >= 1000) {
        lastCheck = Date.now();
        if (await isDone()) break;
        continue;
      }
      await Promise.race([
        new Promise<void>((resolve) => (wake = resolve)),
        sleep(1000, undefined, { signal: stop.signal }).catch(() => undefined),
      ]);
      wake = undefined;
    }
    stop.abort();
    await Promise.all(tails);
    while (queue.length > 0) yield queue.shift() ?? "";
    for (const [i, path] of paths.entries()) {
      const splitter = splitters[i];
      if (splitter === undefined) continue;
      const rest = await transport.run(`tail -c +${splitter.bytes + 1} ${shq(path)} 2>/dev/null; true`);
      yield* splitter.push(Buffer.from(rest.stdout, "utf8"));
      yield* splitter.end();
    }
  } finally {
    stop.abort();
    signal?.removeEventListener("abort", onAbort);
  }
}
