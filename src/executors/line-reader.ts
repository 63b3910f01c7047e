import { open, type FileHandle } from "node:fs/promises";

/**
 * The complete lines of a growing file, read from where the last read stopped (a trailing `\r` dropped); what is
 * left without a newline waits for the next read, or comes out with {@link LineReader.flush}. A missing file reads as
 * no lines until it appears.
 *
 * @example
 * ```ts
 * const reader = new LineReader("/jobs/sft-k3j9x2/stdout.log");
 * for (const line of await reader.readLines()) console.log(line);
 * await reader.close();
 * ```
 */
export class LineReader {
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
