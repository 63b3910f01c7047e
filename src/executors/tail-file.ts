import { setTimeout as sleep } from "node:timers/promises";
import { LineReader } from "./line-reader.ts";

/** One log file to read. */
export interface TailSource {
  readonly path: string;
}

export interface TailOptions {
  readonly follow: boolean;
  /** Asked when a poll found nothing new: once it says true, the rest is read and the tail ends. */
  readonly isDone: () => Promise<boolean>;
  readonly signal?: AbortSignal | undefined;
  readonly pollMs?: number;
}

/**
 * Lines of one or more growing files, in the order they can be read; with `follow`, keeps polling until `isDone`.
 * A file that does not exist yet is read once it appears. A last line without a newline is yielded at the end.
 *
 * @example
 * ```ts
 * for await (const line of tailFiles([{ path: "stdout.log" }], { follow: true, isDone })) console.log(line);
 * ```
 */
export async function* tailFiles(
  sources: readonly TailSource[],
  options: TailOptions,
): AsyncGenerator<string> {
  const readers = sources.map((source) => new LineReader(source.path));
  const pollMs = options.pollMs ?? 100;
  try {
    for (;;) {
      let progressed = false;
      for (const reader of readers) {
        for (const line of await reader.readLines()) {
          progressed = true;
          yield line;
        }
      }
      if (!options.follow || options.signal?.aborted === true) break;
      if (progressed) continue;
      if (await options.isDone()) {
        // The job ended: whatever it wrote before ending is on disk now, so one more pass reads it all.
        for (const reader of readers) yield* await reader.readLines();
        break;
      }
      await sleep(pollMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
    for (const reader of readers) {
      const rest = reader.flush();
      if (rest !== undefined) yield rest;
    }
  } finally {
    await Promise.all(readers.map((reader) => reader.close()));
  }
}

/**
 * The lines of two streams, tagged, in the order they arrive (for engines that keep stdout and stderr apart).
 *
 * @example
 * ```ts
 * for await (const entry of mergeStreams({ stdout: read("stdout"), stderr: read("stderr") })) console.log(entry);
 * ```
 */
export async function* mergeStreams(sources: {
  readonly stdout?: AsyncIterable<string> | undefined;
  readonly stderr?: AsyncIterable<string> | undefined;
}): AsyncGenerator<{ stream: "stdout" | "stderr"; line: string }> {
  type Next = { stream: "stdout" | "stderr"; result: IteratorResult<string> };
  const iterators = new Map<"stdout" | "stderr", AsyncIterator<string>>();
  for (const stream of ["stdout", "stderr"] as const) {
    const source = sources[stream];
    if (source !== undefined) iterators.set(stream, source[Symbol.asyncIterator]());
  }
  const pending = new Map<"stdout" | "stderr", Promise<Next>>();
  const pull = (stream: "stdout" | "stderr", iterator: AsyncIterator<string>): void => {
    pending.set(
      stream,
      iterator.next().then((result) => ({ stream, result })),
    );
  };
  for (const [stream, iterator] of iterators) pull(stream, iterator);
  try {
    while (pending.size > 0) {
      const { stream, result } = await Promise.race(pending.values());
      if (result.done === true) {
        pending.delete(stream);
        continue;
      }
      yield { stream, line: result.value };
      const iterator = iterators.get(stream);
      if (iterator !== undefined) pull(stream, iterator);
    }
  } finally {
    await Promise.all(
      [...iterators.values()].map(async (iterator) => {
        await iterator.return?.();
      }),
    );
  }
}
