import type { BenchOptions } from './options.js';
import type { BenchResult } from './run.js';

export type { BenchSettings } from './options.js';
export { benchMatrix, parseMatrix, combinations, type MatrixAxis, type MatrixResult, type MatrixRow, type MatrixOptions, type Combination } from './matrix.js';
export { parseDuration, CLIENT_KINDS, LIMITS as BENCH_LIMITS, type BenchOptions, type BenchProgress, type ClientKind } from './options.js';
export type { BenchStats, PhaseSummary } from './tally.js';
/** @deprecated the model's `Distribution` (one summary type for every source); kept so library code that named it still compiles. */
export type { Distribution as LatencySummary } from '../model/histogram.js';
export type { BenchResult };

/**
 * Puts load on one URL through a real client pool and reports throughput, latency (HDR), reuse,
 * handshakes, closes and the findings of the shared rule engine.
 * Throws UsageError for bad options and a network error when the target cannot be reached at all.
 * The engines (undici, HDR histograms) load on the first call: importing connscope stays light.
 */
export async function bench(options: BenchOptions): Promise<BenchResult> {
  return (await import('./run.js')).bench(options);
}
