import { open, type FileHandle } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

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

class LineReader {
  readonly #path: string;
  #handle: FileHandle | undefined;
  #offset = 0;
  #partial = "";
  readonly #decoder = new TextDecoder();

  constructor(path: string) {
    this.#path = path;
  }

  async readLines(): Promise<string[]> {
    if (this.#handle === undefined) {
      try {
        this.#handle = await open(this.#path, "r");
      } catch {
        return [];
      }
    }
    const lines: string[] = [];
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.#handle.read(buffer, 0, buffer.length, this.#offset);
      if (bytesRead === 0) break;
      this.#offset += bytesRead;
      const text = this.#partial + this.#decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
      const parts = text.split("\n");
      this.#partial = parts.pop() ?? "";
      lines.push(...parts.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line)));
    }
    return lines;
  }

  flush(): string | undefined {
    const rest = this.#partial + this.#decoder.decode();
    this.#partial = "";
    return rest === "" ? undefined : rest;
  }

  async close(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
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
