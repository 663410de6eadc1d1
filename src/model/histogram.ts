/**
 * A distribution of durations in milliseconds: how many, mean, extremes and percentiles. One type for
 * every summary connscope prints (session phases, bench latency, capture handshakes, run totals),
 * always read from a DurationHistogram.
 */
export interface Distribution {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** One point of a percentile plot: `percentile` % of values were at most `ms`. */
export interface PercentilePoint {
  percentile: number;
  ms: number;
}

export interface HistogramBin {
  fromMs: number;
  toMs: number;
  count: number;
}

/** Percentiles of curve(): evenly up to 90, then two to four points per added nine. */
export const CURVE_PERCENTILES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.99, 99.999, 100] as const;

/** The percentiles of summary(), ascending (percentilesMs() walks them in order). */
const SUMMARY_PERCENTILES = [50, 90, 99, 99.9] as const;

/** Values below this many µs are counted exactly (1 µs buckets). */
const LINEAR = 512;
/** Buckets per power of two above LINEAR: a bucket is at most 1/256 (0.39 %) of its value wide. */
const SUB_BITS = 8;
const SUB = 1 << SUB_BITS;
/** Largest power of two tracked: 2^36 µs ≈ 19 hours; longer durations count as that. */
const MAX_EXP = 36;
const MAX_US = 2 ** (MAX_EXP + 1) - 1;
const LINEAR_EXP = Math.log2(LINEAR);
const SIZE = LINEAR + (MAX_EXP - LINEAR_EXP + 1) * SUB;

/** The counts of a histogram that has recorded nothing yet (shared, never written). */
const NO_COUNTS = new Float64Array(0);

function indexOf(us: number): number {
  if (us < LINEAR) return us;
  // floor(log2(us)) for us up to 2^37: Math.clz32 only sees 32 bits
  if (us < 2 ** 31) {
    // the common case in integer operations: `2 ** n` with a variable n compiles to a call to pow()
    const exp = 31 - Math.clz32(us);
    return LINEAR + (exp - LINEAR_EXP) * SUB + (us >>> (exp - SUB_BITS)) - SUB;
  }
  const exp = 31 + (31 - Math.clz32(Math.floor(us / 2 ** 31)));
  const sub = Math.floor(us / 2 ** (exp - SUB_BITS)) - SUB;
  return LINEAR + (exp - LINEAR_EXP) * SUB + sub;
}

/** The largest value (µs) counted in bucket i. */
function highestOf(i: number): number {
  if (i < LINEAR) return i;
  const exp = Math.floor((i - LINEAR) / SUB) + LINEAR_EXP;
  const sub = (i - LINEAR) % SUB;
  const width = 2 ** (exp - SUB_BITS);
  return (SUB + sub + 1) * width - 1;
}

/**
 * A log-linear histogram of durations (the layout of HdrHistogram: exact below 512 µs, then 256
 * buckets per power of two, so any percentile is within 0.39 % of the true value), in one typed
 * array of fixed size, mergeable. Recording is a few arithmetic operations — the JS build of
 * hdr-histogram-js took 15-30x longer per value, which showed on bench's and run's hot paths.
 */
export class DurationHistogram {
  /** Allocated on the first value: many histograms stay empty (a TLS capture's request phases), and 60 KB of zeros each cost more than the rest of a session's stats. */
  private counts = NO_COUNTS;
  private total = 0;
  private sumMs = 0;
  private minUs = Infinity;
  private maxUs = 0;

  recordMs(ms: number): void {
    if (!(ms >= 0)) return;
    let us = Math.round(ms * 1000);
    if (us > MAX_US) us = MAX_US;
    if (this.counts.length === 0) this.counts = new Float64Array(SIZE);
    this.counts[indexOf(us)]!++;
    this.total++;
    this.sumMs += ms;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  get count(): number {
    return this.total;
  }

  /** The smallest value recorded (ms, to the microsecond); undefined when empty. */
  min(): number | undefined {
    return this.total === 0 ? undefined : this.minUs / 1000;
  }

  /** The largest value recorded (ms, to the microsecond); undefined when empty. */
  max(): number | undefined {
    return this.total === 0 ? undefined : this.maxUs / 1000;
  }

  /** The value (ms) at or below which p % of the recorded values fall, as HdrHistogram reports it. */
  percentileMs(p: number): number {
    return this.percentilesMs([p])[0]!;
  }

  /**
   * percentileMs() of each of ps (ascending) in one walk over the buckets: a summary's four percentiles
   * walked the 7,680 buckets up to four times.
   */
  percentilesMs(ps: readonly number[]): number[] {
    if (this.total === 0) return ps.map(() => NaN);
    const out = new Array<number>(ps.length).fill(this.maxUs / 1000);
    let k = 0;
    let rank = Math.max(1, Math.ceil((ps[0]! / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < SIZE && k < ps.length; i++) {
      seen += this.counts[i]!;
      while (k < ps.length && seen >= rank) {
        out[k++] = Math.min(highestOf(i), this.maxUs) / 1000;
        if (k < ps.length) rank = Math.max(1, Math.ceil((ps[k]! / 100) * this.total));
      }
    }
    return out;
  }

  summary(): Distribution | undefined {
    if (this.total === 0) return undefined;
    const [p50, p90, p99, p999] = this.percentilesMs(SUMMARY_PERCENTILES);
    return { count: this.total, mean: this.sumMs / this.total, min: this.minUs / 1000, p50: p50!, p90: p90!, p99: p99!, p999: p999!, max: this.maxUs / 1000 };
  }

  /**
   * Latency at fixed percentiles (0 = min … 100 = max), denser toward the tail: the points of an
   * HDR percentile plot, read from the same buckets as summary().
   */
  curve(): PercentilePoint[] {
    if (this.total === 0) return [];
    const ms = this.percentilesMs(CURVE_PERCENTILES);
    return CURVE_PERCENTILES.map((p, i) => ({ percentile: p, ms: p === 0 ? this.minUs / 1000 : p === 100 ? this.maxUs / 1000 : ms[i]! }));
  }

  /**
   * Counts in `n` log-spaced bins from the smallest to the largest value (a latency histogram for a
   * sparkline or bars). Walks the buckets once, so the cost is bounded by the histogram's size.
   */
  bins(n = 24): HistogramBin[] {
    if (this.total === 0) return [];
    const lo = Math.max(1, this.minUs);
    const hi = Math.max(lo + 1, this.maxUs);
    const ratio = Math.log(hi / lo) / n;
    const bins: HistogramBin[] = [];
    for (let i = 0; i < n; i++) bins.push({ fromMs: (lo * Math.exp(ratio * i)) / 1000, toMs: (lo * Math.exp(ratio * (i + 1))) / 1000, count: 0 });
    for (let i = 0; i < SIZE; i++) {
      const c = this.counts[i]!;
      if (c === 0) continue;
      const v = Math.min(Math.max(lo, highestOf(i)), hi);
      bins[Math.min(n - 1, Math.max(0, Math.floor(Math.log(v / lo) / ratio)))]!.count += c;
    }
    return bins;
  }

  /** Adds another histogram's values to this one (worker or per-interval histograms into a total). */
  merge(other: DurationHistogram): void {
    if (other.counts.length !== 0) {
      if (this.counts.length === 0) this.counts = new Float64Array(SIZE);
      for (let i = 0; i < SIZE; i++) this.counts[i]! += other.counts[i]!;
    }
    this.total += other.total;
    this.sumMs += other.sumMs;
    if (other.minUs < this.minUs) this.minUs = other.minUs;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sumMs = 0;
    this.minUs = Infinity;
    this.maxUs = 0;
  }
}
