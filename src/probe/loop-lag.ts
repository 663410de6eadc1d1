import type { RequestTrace } from '../model/request.js';

const INTERVAL_MS = 10;
const MAX_SAMPLES = 10_000;

/**
 * Samples event-loop stalls with a short timer: a tick that fires late means the loop was blocked for
 * [tick - lag, tick]. A request whose wait overlaps a stall measured the stall, not the server.
 */
export class LoopLagSampler {
  private readonly stalls: { from: number; to: number }[] = [];
  private expected = performance.now() + INTERVAL_MS;
  private readonly timer: NodeJS.Timeout;
  maxDelayMs = 0;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      const lag = now - this.expected;
      if (lag > this.maxDelayMs) this.maxDelayMs = lag;
      if (lag > 5 && this.stalls.length < MAX_SAMPLES) this.stalls.push({ from: now - lag, to: now });
      this.expected = now + INTERVAL_MS;
    }, INTERVAL_MS);
    this.timer.unref();
  }

  /** Longest stall overlapping [from, to] (ms), 0 if none. */
  stallWithin(from: number, to: number): number {
    let max = 0;
    for (const s of this.stalls) {
      const overlap = Math.min(s.to, to) - Math.max(s.from, from);
      if (overlap > max) max = overlap;
    }
    return max;
  }

  /** Marks each request whose wait (or whole duration, when it failed early) overlapped a stall. */
  annotate(requests: RequestTrace[], blockedMs: number): void {
    for (const r of requests) {
      const stall = this.stallWithin(r.startedAt, r.startedAt + r.phases.total);
      r.eventLoopDelayMs = Math.round(stall * 10) / 10;
      r.eventLoopBlocked = stall > blockedMs;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
