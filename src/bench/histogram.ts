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

  reset(): void {
    this.h.reset();
    this.sumMs = 0;
  }
}
