import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { JobStore } from "../../store/job-store.ts";
import { tailFiles } from "../tail-file.ts";
import type { JobHandle, JobStatus, LogOptions } from "../types.ts";
import { TERMINAL_STATES } from "../types.ts";
import { isSameProcessAlive } from "./process-info.ts";
import { LOCAL_STATES, localState, type LocalRawState } from "./states.ts";

/** What a handle needs to find a local job's process and files again. */
export interface LocalJobRef {
  readonly id: string;
  readonly jobDir: string;
  readonly pid: number | undefined;
  readonly startTime: string;
  readonly graceSeconds: number;
}

const CANCEL_MARKER = "cancel-requested";

/**
 * A local job, from the process that started it (with `exited`) or any later one. State comes from the live
 * process, else from the exit code its wrapper recorded; the first terminal state is written to the job store.
 *
 * @example
 * ```ts
 * const handle = new LocalJobHandle(ref, store);
 * await handle.cancel();
 * ```
 */
export class LocalJobHandle implements JobHandle {
  readonly executor = "local" as const;
  readonly id: string;
  readonly nativeId: string;
  readonly #ref: LocalJobRef;
  readonly #store: JobStore;
  readonly #exited: Promise<unknown> | undefined;

  constructor(ref: LocalJobRef, store: JobStore, exited?: Promise<unknown>) {
    this.id = ref.id;
    this.nativeId = ref.pid === undefined ? "" : String(ref.pid);
    this.#ref = ref;
    this.#store = store;
    this.#exited = exited;
  }

  status(): Promise<JobStatus> {
    return Promise.resolve(this.#statusNow());
  }

  logs(options: LogOptions = {}): AsyncIterable<string> {
    const stream = options.stream ?? "all";
    const paths = [
      ...(stream === "stderr" ? [] : [join(this.#ref.jobDir, "stdout.log")]),
      ...(stream === "stdout" ? [] : [join(this.#ref.jobDir, "stderr.log")]),
    ];
    return tailFiles(
      paths.map((path) => ({ path })),
      {
        follow: options.follow ?? false,
        signal: options.signal,
        isDone: () => Promise.resolve(TERMINAL_STATES.has(this.#statusNow().state)),
      },
    );
  }

  async cancel(): Promise<JobStatus> {
    const before = this.#statusNow();
    if (TERMINAL_STATES.has(before.state) || this.#ref.pid === undefined) return before;
    writeFileSync(join(this.#ref.jobDir, CANCEL_MARKER), `${new Date().toISOString()}\n`, { mode: 0o600 });
    this.#signalGroup("SIGTERM");
    const deadline = Date.now() + this.#ref.graceSeconds * 1000;
    while (this.#alive() && Date.now() < deadline) await sleep(20);
    if (this.#alive()) {
      this.#signalGroup("SIGKILL");
      while (this.#alive()) await sleep(10);
    }
    return this.#statusNow();
  }

  async wait(options: { readonly signal?: AbortSignal } = {}): Promise<JobStatus> {
    if (this.#exited !== undefined) await this.#exited;
    let delay = 50;
    for (;;) {
      const status = this.#statusNow();
      if (TERMINAL_STATES.has(status.state)) return status;
      options.signal?.throwIfAborted();
      await sleep(delay, undefined, { signal: options.signal });
      delay = Math.min(delay * 2, 1000);
    }
  }

  #statusNow(): JobStatus {
    const record = this.#store.read(this.id);
    if (TERMINAL_STATES.has(record.state)) {
      return { state: record.state, raw: record.raw, exitCode: record.exitCode, reason: record.reason };
    }
    if (this.#ref.pid === undefined) return toStatus("starting", undefined);
    let exitCode = this.#recordedExitCode();
    if (exitCode === undefined && this.#alive()) return toStatus("running", undefined);
    // The wrapper writes the code before it exits, so read again now that the process is known to be gone.
    exitCode ??= this.#recordedExitCode();
    const raw = localState({ exitCode, cancelRequested: existsSync(join(this.#ref.jobDir, CANCEL_MARKER)) });
    const status = toStatus(raw, exitCode);
    this.#store.update(this.id, {
      state: status.state,
      raw: status.raw,
      exitCode: status.exitCode,
      reason: status.reason,
      endedAt: new Date().toISOString(),
    });
    return status;
  }

  #alive(): boolean {
    return this.#ref.pid !== undefined && isSameProcessAlive(this.#ref.pid, this.#ref.startTime);
  }

  #recordedExitCode(): number | undefined {
    try {
      const text = readFileSync(join(this.#ref.jobDir, "exit-code"), "utf8").trim();
      return /^\d+$/.test(text) ? Number(text) : undefined;
    } catch {
      return undefined;
    }
  }

  #signalGroup(signal: NodeJS.Signals): void {
    // Only signal the group if its leader is still the job's wrapper, never a process that reused the pid.
    if (this.#ref.pid === undefined || !this.#alive()) return;
    try {
      process.kill(-this.#ref.pid, signal);
    } catch {
      // Gone between the check and the signal: nothing left to stop.
    }
  }
}

function toStatus(raw: LocalRawState, exitCode: number | undefined): JobStatus {
  return { state: LOCAL_STATES[raw], raw, exitCode, reason: reasonFor(raw, exitCode) };
}

function reasonFor(raw: LocalRawState, exitCode: number | undefined): string | undefined {
  switch (raw) {
    case "exited":
      return `exited with code ${exitCode ?? "?"}`;
    case "signalled":
      return `killed by signal ${(exitCode ?? 128) - 128}`;
    case "vanished":
      return "the process ended without recording an exit code (killed with SIGKILL, or the machine restarted)";
    case "cancelled":
      return "cancelled";
    default:
      return undefined;
  }
}
