export { bench, type BenchResult, type BenchSettings } from './run.js';
export { benchMatrix, parseMatrix, combinations, type MatrixAxis, type MatrixResult, type MatrixRow, type MatrixOptions, type Combination } from './matrix.js';
export { parseDuration, CLIENT_KINDS, LIMITS as BENCH_LIMITS, type BenchOptions, type BenchProgress, type ClientKind } from './options.js';
export type { BenchStats, PhaseSummary } from './tally.js';
export type { LatencySummary } from './histogram.js';
