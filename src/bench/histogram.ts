// bench's latency histograms are the model's (one histogram for every source).
export { CURVE_PERCENTILES, DurationHistogram, type HistogramBin, type PercentilePoint } from '../model/histogram.js';
