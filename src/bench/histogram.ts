import * as hdr from 'hdr-histogram-js';

/** Latency summary in milliseconds. */
export interface LatencySummary {
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

/** The part of hdr-histogram-js's JS histogram that bins() walks (its typings do not expose it). */
interface RecordedIterator {
  reset(): void;
  hasNext(): boolean;
  next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
}

/**
 * An HDR histogram of durations. Values are recorded in microseconds (3 significant digits, so
 * 0.1% precision from 1 µs to an hour) and reported in milliseconds; memory stays constant however
 * long the run.
 */
export class DurationHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    useWebAssembly: false,
  });
  private sumMs = 0;

  recordMs(ms: number): void {
    if (!(ms >= 0)) return;
    this.sumMs += ms;
    const us = Math.round(ms * 1000);
    this.h.recordValue(us < 1 ? 1 : us > 3_600_000_000 ? 3_600_000_000 : us);
  }

  get count(): number {
    return this.h.totalCount;
  }

  summary(): LatencySummary | undefined {
    const count = this.h.totalCount;
    if (count === 0) return undefined;
    // a percentile is reported as its bucket's upper edge: never above the largest value recorded
    const at = (p: number): number => Math.min(this.h.getValueAtPercentile(p), this.h.maxValue) / 1000;
    return {
      count,
      mean: this.sumMs / count,
      min: this.h.minNonZeroValue / 1000,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: this.h.maxValue / 1000,
    };
  }

  /**
   * Latency at fixed percentiles (0 = min … 100 = max), denser toward the tail: the points of an
   * HDR percentile plot, read from the same histogram as summary().
   */
  curve(): PercentilePoint[] {
    if (this.h.totalCount === 0) return [];
    const max = this.h.maxValue;
    // getValueAtPercentile answers the top of a bucket, which can lie past the largest value seen
    return CURVE_PERCENTILES.map((p) => ({
      percentile: p,
      ms: (p === 0 ? this.h.minNonZeroValue : p === 100 ? max : Math.min(max, this.h.getValueAtPercentile(p))) / 1000,
    }));
  }

  /**
   * Counts in `n` log-spaced bins from the smallest to the largest value (a latency histogram for a
   * sparkline or bars). Walks the histogram's recorded buckets, so the cost is bounded by its size.
   */
  bins(n = 24): HistogramBin[] {
    const count = this.h.totalCount;
    if (count === 0) return [];
    const lo = Math.max(1, this.h.minNonZeroValue);
    const hi = Math.max(lo + 1, this.h.maxValue);
    const ratio = Math.log(hi / lo) / n;
    const bins: HistogramBin[] = [];
    for (let i = 0; i < n; i++) bins.push({ fromMs: (lo * Math.exp(ratio * i)) / 1000, toMs: (lo * Math.exp(ratio * (i + 1))) / 1000, count: 0 });
    const it = (this.h as unknown as { recordedValuesIterator: RecordedIterator }).recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      const i = Math.min(n - 1, Math.max(0, Math.floor(Math.log(Math.max(lo, v.valueIteratedTo) / lo) / ratio)));
      bins[i]!.count += v.countAtValueIteratedTo;
    }
    return bins;
  }

  reset(): void {
    this.h.reset();
    this.sumMs = 0;
  }
}
