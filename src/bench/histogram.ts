// bench's latency histograms are the model's (one histogram for every source).
export { DurationHistogram, type LatencySummary } from '../model/histogram.js';
