import type { StallLog } from '../model/stall.js';
import { now } from './clock.js';

export interface EventLoopOptions {
  /** How often the loop is probed (ms). */
  intervalMs: number;
  /** Lag from which a request counts as having overlapped a blocked loop (ms). */
  blockedMs: number;
  /** Stalls remembered (ring, default 512); a long observation read at its end wants more. */
  ring?: number;
}

/** Lag samples kept by default; older blocks no longer matter to requests still in flight. */
const RING = 512;
/** Lag below this is scheduling noise, not worth remembering. */
const NOISE_MS = 2;
/**
 * seen() moves the tick on once this share of the interval has passed since the last one: often
 * enough that a busy loop's timer never comes due, rarely enough that the refresh costs nothing per request.
 */
const REFRESH_AT = 0.75;


/** One stall: the loop ran no callback in [from, to] (monotonic ms). */
export interface StallWindow {
  from: number;
  to: number;
}

/**
 * Samples event-loop lag with a timer: a tick that fires `lag` ms late means the loop was blocked
 * during [firedAt - lag, firedAt]. Keeps a bounded ring of those intervals (they never overlap: each
 * starts where the previous tick was due) so a request can ask how much of each phase they covered.
 * The one sampler of the project: the tracer, the probe and the lab all read stalls from it.
 */
export class EventLoopSampler implements StallLog {
  private readonly ends: Float64Array;
  private readonly lags: Float64Array;
  private readonly ring: number;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;
  /** From this time on a callback that saw the loop alive moves the next tick on (see seen()). */
  private refreshAt = Infinity;
  maxLagMs = 0;
  /** Times the probe's timer callback ran (a busy loop whose requests call seen() runs it rarely). */
  timerTicks = 0;

  constructor(readonly options: EventLoopOptions) {
    this.ring = Math.max(16, options.ring ?? RING);
    this.ends = new Float64Array(this.ring);
    this.lags = new Float64Array(this.ring);
  }

  start(): void {
    const t = now();
    this.expected = t + this.options.intervalMs;
    this.refreshAt = t + this.options.intervalMs * REFRESH_AT;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * A callback ran at `t` (monotonic ms, a clock read the caller took anyway): the tracer's sources call
   * this as each request ends. Most calls are one comparison. Late in an interval it does the tick's
   * work here and pushes the timer one interval on (`refresh()`, far cheaper than a timer callback
   * entering JavaScript), so a process busy with requests runs the probe's timer only when the loop
   * stalls or falls quiet, and the probe's cost no longer grows with wall time at a given load. What
   * is recorded is the same: the tick due at `expected` has not run by `t` (timers run first in each
   * loop turn), so a `t` past it by NOISE_MS or more ends a stall [expected, t], as the tick would
   * have, only sooner (the tick ends it at the next timers phase).
   */
  seen(t: number): void {
    if (t < this.refreshAt || this.timer === undefined) return;
    this.observe(t);
    this.timer.refresh();
  }

  /** When the last tick ran (monotonic ms): a clock good to one interval; 0 when not running. */
  get lastTickAt(): number {
    return this.timer === undefined ? 0 : this.expected - this.options.intervalMs;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.timerTicks++;
    this.observe(now());
  }

  private observe(t: number): void {
    const lag = t - this.expected;
    this.expected = t + this.options.intervalMs;
    this.refreshAt = t + this.options.intervalMs * REFRESH_AT;
    if (lag < NOISE_MS) return;
    const i = this.count++ % this.ring;
    this.ends[i] = t;
    this.lags[i] = lag;
    if (lag > this.maxLagMs) this.maxLagMs = lag;
  }

  /**
   * A stall still in progress: the tick due at `expected` has not run yet. A callback that runs right
   * after a stall (a response, a connect) usually runs before the sampler's tick records that stall.
   */
  private pending(from: number, to: number): number {
    if (this.timer === undefined || to - this.expected < NOISE_MS) return 0;
    return Math.max(0, to - Math.max(this.expected, from));
  }

  /** Stall time inside [from, to], summed over the stalls and clipped to the interval (0 when none). */
  overlap(from: number, to: number): number {
    return this.clipped(from, to, true);
  }

  /**
   * How late the stall running into `to` made a callback at `to` (counted from `from` at the earliest):
   * a stall still running at `to`, or the newest stall begun before `to` when it ended at most one
   * sampling interval before it. Within that interval the sampler cannot tell a loop still draining
   * the callbacks the stall held back (the usual case right after a long stall) from a free one; a
   * stall the loop recovered from earlier (the next tick came on time) delayed nothing at `to`.
   */
  endDelay(from: number, to: number): number {
    if (this.timer !== undefined && to - this.expected >= NOISE_MS) return Math.max(0, to - Math.max(this.expected, from));
    const n = Math.min(this.count, this.ring);
    for (let k = 0; k < n; k++) {
      const i = (this.count - 1 - k) % this.ring;
      const end = this.ends[i]!;
      const begin = end - this.lags[i]!;
      if (begin >= to) continue;
      // the loop ran after this stall, before `to` (or before the phase began): it delayed nothing at `to`
      if (end < to - this.options.intervalMs || end < from) return 0;
      return Math.max(0, to - Math.max(begin, from));
    }
    return 0;
  }

  /** Longest single stall inside [from, to], clipped to the interval (0 when none). */
  longest(from: number, to: number): number {
    return this.clipped(from, to, false);
  }

  /** The stalls inside [from, to], each clipped to the interval: their sum, or the longest. */
  private clipped(from: number, to: number, sum: boolean): number {
    let acc = this.pending(from, to);
    const n = Math.min(this.count, this.ring);
    // Newest first; stalls are in time order, so stop at the first one that ended before `from`.
    for (let k = 0; k < n; k++) {
      const i = (this.count - 1 - k) % this.ring;
      const end = this.ends[i]!;
      if (end < from) break;
      const o = Math.min(end, to) - Math.max(end - this.lags[i]!, from);
      if (o > 0) acc = sum ? acc + o : Math.max(acc, o);
    }
    return acc;
  }

  /** Stalls of at least `minMs` still in the ring, oldest first. */
  windows(minMs = 0): StallWindow[] {
    const out: StallWindow[] = [];
    const n = Math.min(this.count, this.ring);
    for (let k = n - 1; k >= 0; k--) {
      const i = (this.count - 1 - k) % this.ring;
      const lag = this.lags[i]!;
      if (lag >= minMs) out.push({ from: this.ends[i]! - lag, to: this.ends[i]! });
    }
    return out;
  }
}
