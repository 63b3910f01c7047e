import { SlipwayError } from "../../src/errors.ts";
import type { JobEngine } from "../../src/executors/executor-module.ts";
import type { LogOptions } from "../../src/executors/types.ts";
import type { JobStatus } from "../../src/job/job-state.ts";
import { CONTRACT_SCRIPTS, type ContractJob } from "./harness.ts";

/**
 * A scripted engine: the job runs for `probesUntilEnd` probes, then ends as its script says; stop() ends it as
 * cancelled unless `ignoresStop`. Counts probes, so tests can tell a stored status from an asked one.
 */
export class FakeEngine implements JobEngine {
  probes = 0;
  stops = 0;
  cleaned = false;
  #remaining: number;
  #ended: JobStatus | undefined;
  readonly #job: ContractJob;
  readonly #ignoresStop: boolean;
  readonly #outage: { readonly from: number; readonly count: number } | undefined;

  readonly poll = {
    firstMs: 5,
    maxMs: 20,
    factor: 2,
    cancelDeadlineMs: () => 200,
  };

  constructor(
    job: ContractJob,
    options: {
      probesUntilEnd?: number;
      ignoresStop?: boolean;
      /** Probes `from`…`from + count - 1` (1-based) find the engine unreachable. */
      outage?: { readonly from: number; readonly count: number };
    } = {},
  ) {
    this.#outage = options.outage;
    this.#job = job;
    this.#remaining = job === "runs" ? Number.POSITIVE_INFINITY : (options.probesUntilEnd ?? 3);
    this.#ignoresStop = options.ignoresStop ?? false;
  }

  probe(): Promise<JobStatus> {
    this.probes += 1;
    if (this.cleaned) throw new Error("the fake engine was asked about a job it no longer holds");
    const outage = this.#outage;
    if (outage !== undefined && this.probes >= outage.from && this.probes < outage.from + outage.count) {
      return Promise.reject(
        new SlipwayError("ENGINE_UNREACHABLE", "cannot reach the fake engine (ECONNREFUSED)"),
      );
    }
    if (this.#ended !== undefined) return Promise.resolve(this.#ended);
    this.#remaining -= 1;
    if (this.#remaining > 0) {
      return Promise.resolve({ state: "running", raw: "RUN", exitCode: undefined, reason: undefined });
    }
    this.#ended =
      this.#job === "succeeds"
        ? { state: "succeeded", raw: "DONE(0)", exitCode: 0, reason: undefined }
        : { state: "failed", raw: "DONE(3)", exitCode: 3, reason: "exited with code 3" };
    return Promise.resolve(this.#ended);
  }

  stop(): Promise<void> {
    this.stops += 1;
    if (!this.#ignoresStop && this.#ended === undefined) {
      this.#ended = { state: "cancelled", raw: "KILLED", exitCode: 143, reason: "cancelled" };
    }
    return Promise.resolve();
  }

  async *logs(options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<string> {
    if (this.cleaned) throw new Error("the fake engine was asked for logs it no longer holds");
    if (options.follow === true) while (!(await isDone())) await new Promise((r) => setTimeout(r, 5));
    const { stdout, stderr } = this.#output();
    if (options.stream !== "stderr") yield* stdout;
    if (options.stream !== "stdout") yield* stderr;
  }

  cleanup(
    save: (stream: "stdout" | "stderr", text: string) => void,
  ): Promise<{ cleaned: boolean; message: string }> {
    const { stdout, stderr } = this.#output();
    save("stdout", stdout.map((line) => `${line}\n`).join(""));
    save("stderr", stderr.map((line) => `${line}\n`).join(""));
    this.cleaned = true;
    return Promise.resolve({ cleaned: true, message: "removed from the fake engine (logs kept)" });
  }

  #output(): { stdout: string[]; stderr: string[] } {
    const script = CONTRACT_SCRIPTS[this.#job];
    const stdout = [...script.matchAll(/echo ([^;>]+?)(?=;|$)/g)].map((m) => m[1] ?? "");
    const stderr = [...script.matchAll(/echo ([^;]+?) >&2/g)].map((m) => m[1] ?? "");
    return { stdout, stderr };
  }
}
