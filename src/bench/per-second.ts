/** One second of a bench run: what completed in it and how many connections were open. */
export interface SecondSample {
  /** Seconds from the start of the measured run (0 = the first second). */
  second: number;
  /** Requests completed in this second (successes and errors). */
  requests: number;
  errors: number;
  /** Most connections open at once during this second. */
  openConnections: number;
}

/** Longest series kept: a run is at most an hour (--duration), with room for a warm-up and the tail. */
const MAX_SECONDS = 7_300;

/**
 * Per-second counters of a bench run (req/s, errors and open connections over time), in bounded
 * memory: three numbers per second, filled as events arrive, so the hot path is an index and an add.
 */
export class PerSecond {
  private readonly requests: number[] = [];
  private readonly errors: number[] = [];
  private readonly peak: number[] = [];

  /**
   * @param origin monotonic ms (performance.now()) of second 0
   * @param open connections already open at the origin (kept from a warm-up)
   */
  constructor(private readonly origin: number, private open = 0) {}

  /** Open connections right now. */
  get openNow(): number {
    return this.open;
  }

  request(error: boolean, now: number): void {
    const i = this.slot(now);
    if (i < 0) return;
    this.requests[i]!++;
    if (error) this.errors[i]!++;
  }

  /** A connection opened (+1) or closed (-1). */
  connection(delta: 1 | -1, now: number): void {
    this.open = Math.max(0, this.open + delta);
    const i = this.slot(now);
    if (i >= 0 && this.open > this.peak[i]!) this.peak[i] = this.open;
  }

  /**
   * One entry per started second of the measured run (`durationMs`), and past it if a last event
   * landed there (the origin is set a moment before the load starts), so the counts add up to the totals.
   */
  series(durationMs: number): SecondSample[] {
    const n = Math.min(MAX_SECONDS, Math.max(1, Math.ceil(durationMs / 1000), this.requests.length));
    this.fill(n - 1);
    const out: SecondSample[] = [];
    for (let i = 0; i < n; i++) out.push({ second: i, requests: this.requests[i]!, errors: this.errors[i]!, openConnections: this.peak[i]! });
    return out;
  }

  /** Index of the second `now` falls in, creating the seconds up to it; -1 outside the kept range. */
  private slot(now: number): number {
    const i = Math.floor((now - this.origin) / 1000);
    if (i < 0 || i >= MAX_SECONDS) return -1;
    this.fill(i);
    return i;
  }

  /** Seconds without events start with the connections open at their start. */
  private fill(i: number): void {
    while (this.requests.length <= i) {
      this.requests.push(0);
      this.errors.push(0);
      this.peak.push(this.open);
    }
  }
}
