import { performance } from 'node:perf_hooks';

/** Something in flight with a deadline. */
export interface Deadlined {
  /** Position in the watch list; -1 when not watched. */
  slot: number;
  /** Monotonic ms of its last progress (start, headers, a body chunk). */
  since: number;
  /** The deadline passed: give up on it. */
  expire(): void;
}

/**
 * Per-request deadlines without a timer per request: one interval scans the requests in flight.
 * undici's own headersTimeout/bodyTimeout swap the connection's timer object on every request
 * (a fast timer for headers and body, a native one for keep-alive); cleared fast timers stay in
 * undici's timer list until its next tick, so they outlive young-generation GCs and pile up in the
 * old generation. At tens of thousands of requests per second that was most of undici's share of
 * the bench's RSS swings. A deadline here fires at most one tick (timeout/8, 10–250 ms) late.
 */
export class DeadlineWatch {
  private readonly items: Deadlined[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.timer = setInterval(() => this.sweep(performance.now()), Math.min(250, Math.max(10, timeoutMs / 8)));
    this.timer.unref();
  }

  get size(): number {
    return this.items.length;
  }

  watch(d: Deadlined): void {
    if (d.slot !== -1) return;
    d.slot = this.items.length;
    this.items.push(d);
  }

  /** O(1): the last item takes the freed slot. */
  unwatch(d: Deadlined): void {
    const i = d.slot;
    if (i === -1) return;
    d.slot = -1;
    const last = this.items.pop()!;
    if (last !== d) {
      this.items[i] = last;
      last.slot = i;
    }
  }

  /** Expires everything idle for the timeout as of `now`. */
  sweep(now: number): void {
    // Backwards: unwatch() moves the last item into the freed slot, and that one was already checked.
    for (let i = this.items.length - 1; i >= 0; i--) {
      const d = this.items[i];
      if (d !== undefined && now - d.since >= this.timeoutMs) {
        this.unwatch(d);
        d.expire();
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    for (const d of this.items) d.slot = -1;
    this.items.length = 0;
  }
}
