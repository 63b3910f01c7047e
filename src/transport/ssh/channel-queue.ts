/** Counters of a {@link ChannelQueue}, for tests and diagnostics. */
export interface ChannelQueueStats {
  /** Slots held now. */
  readonly open: number;
  /** The most slots ever held at once. */
  readonly maxOpen: number;
  /** Slots handed out in total. */
  readonly opened: number;
  /** Callers waiting for a slot now. */
  readonly waiting: number;
}

interface Waiter {
  readonly grant: () => void;
  readonly refuse: (reason: Error) => void;
}

/**
 * A FIFO semaphore for the channels of one SSH connection: OpenSSH's sshd refuses more than `MaxSessions` (10 by
 * default) sessions per connection, so callers past the limit wait their turn instead of failing.
 *
 * @example
 * ```ts
 * const queue = new ChannelQueue(10);
 * const release = await queue.acquire(signal);
 * try { await runOnChannel(); } finally { release(); }
 * ```
 */
export class ChannelQueue {
  readonly limit: number;
  #open = 0;
  #maxOpen = 0;
  #opened = 0;
  readonly #waiters: Waiter[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be ≥ 1, got ${limit}`);
    this.limit = limit;
  }

  /**
   * Resolves with a release function (idempotent) once a slot is free; rejects with the signal's reason when it is
   * aborted first.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.#open < this.limit && this.#waiters.length === 0) return Promise.resolve(this.#take());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal?.reason as Error);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#take());
        },
        refuse: (reason) => {
          signal?.removeEventListener("abort", onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Rejects every waiting caller with `reason` (the connection is gone); held slots stay held until released. */
  refuseWaiting(reason: Error): void {
    for (const waiter of this.#waiters.splice(0)) waiter.refuse(reason);
  }

  stats(): ChannelQueueStats {
    return { open: this.#open, maxOpen: this.#maxOpen, opened: this.#opened, waiting: this.#waiters.length };
  }

  #take(): () => void {
    this.#open++;
    this.#opened++;
    this.#maxOpen = Math.max(this.#maxOpen, this.#open);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
      this.#waiters.shift()?.grant();
    };
  }
}
