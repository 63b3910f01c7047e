/** One line of a container's output, with the stream it came from. */
export interface StreamLine {
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

/**
 * Splits Docker's multiplexed log stream (8-byte frame headers: stream, 3 zero bytes, big-endian length; `Tty: false`)
 * into lines per stream. Feed chunks as they arrive; frames and lines may be cut anywhere.
 *
 * @example
 * ```ts
 * const frames = new LogFrames();
 * for (const line of frames.push(chunk)) console.log(line.stream, line.text);
 * for (const line of frames.end()) console.log(line.stream, line.text);
 * ```
 */
export class LogFrames {
  #pending: Buffer = Buffer.alloc(0);
  readonly #partial = { stdout: "", stderr: "" };
  readonly #decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  push(chunk: Uint8Array): StreamLine[] {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    const lines: StreamLine[] = [];
    while (this.#pending.length >= 8) {
      const size = this.#pending.readUInt32BE(4);
      if (this.#pending.length < 8 + size) break;
      // Type 2 is stderr; 0 (stdin) and 1 are shown as stdout.
      const stream = this.#pending[0] === 2 ? "stderr" : "stdout";
      const payload = this.#pending.subarray(8, 8 + size);
      this.#pending = this.#pending.subarray(8 + size);
      const text = this.#partial[stream] + this.#decoders[stream].decode(payload, { stream: true });
      const parts = text.split("\n");
      this.#partial[stream] = parts.pop() ?? "";
      for (const part of parts) lines.push({ stream, text: part.endsWith("\r") ? part.slice(0, -1) : part });
    }
    return lines;
  }

  /** Whatever is left without a final newline. */
  end(): StreamLine[] {
    const lines: StreamLine[] = [];
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.#partial[stream] + this.#decoders[stream].decode();
      this.#partial[stream] = "";
      if (rest !== "") lines.push({ stream, text: rest });
    }
    return lines;
  }
}
