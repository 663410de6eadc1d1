import { performance } from 'node:perf_hooks';

/**
 * One clock read per I/O event. A response read by the raw engine completes a request, records it,
 * and sends the next one, all in one synchronous callback; each step used to read the clock itself
 * (seven reads per request). Inside an event every reader gets the time the event began — the
 * steps are microseconds apart, below what a phase or a latency bucket resolves — and outside one,
 * the clock.
 */
export class EventClock {
  /** The current event's time; -1 outside an event. */
  private at = -1;

  now(): number {
    return this.at >= 0 ? this.at : performance.now();
  }

  /** Runs `fn(arg)` as one event; returns the time it began. */
  run<A>(fn: (arg: A) => void, arg: A): number {
    const at = performance.now();
    this.at = at;
    try {
      fn(arg);
    } finally {
      this.at = -1;
    }
    return at;
  }
}
