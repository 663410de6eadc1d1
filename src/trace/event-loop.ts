import { now } from './clock.js';

export interface EventLoopOptions {
  /** How often the loop is probed (ms). */
  intervalMs: number;
  /** Lag from which a request counts as having overlapped a blocked loop (ms). */
  blockedMs: number;
}

/** Lag samples kept (ring); older blocks no longer matter to requests still in flight. */
const RING = 512;
/** Lag below this is scheduling noise, not worth remembering. */
const NOISE_MS = 2;

/**
 * Samples event-loop lag with a timer: a tick that fires `lag` ms late means the loop was blocked
 * during [firedAt - lag, firedAt]. Keeps a bounded ring of blocked intervals so a request can ask
 * how much blocking overlapped its wait.
 */
export class EventLoopSampler {
  private readonly ends = new Float64Array(RING);
  private readonly lags = new Float64Array(RING);
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;
  maxLagMs = 0;

  constructor(readonly options: EventLoopOptions) {}

  start(): void {
    this.expected = now() + this.options.intervalMs;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const t = now();
    const lag = t - this.expected;
    this.expected = t + this.options.intervalMs;
    if (lag < NOISE_MS) return;
    const i = this.count++ % RING;
    this.ends[i] = t;
    this.lags[i] = lag;
    if (lag > this.maxLagMs) this.maxLagMs = lag;
  }

  /** Largest blocked interval overlapping [from, to] (0 when none). */
  overlap(from: number, to: number): number {
    let max = 0;
    const n = Math.min(this.count, RING);
    // Newest first; samples are in time order, so stop at the first block that ended before `from`.
    for (let k = 0; k < n; k++) {
      const i = (this.count - 1 - k) % RING;
      const end = this.ends[i]!;
      if (end < from) break;
      const lag = this.lags[i]!;
      if (end - lag <= to && lag > max) max = lag;
    }
    return max;
  }
}
