import type { HistogramBin } from '../../bench/histogram.js';
import { fmtMs, type Palette } from './style.js';

const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * One character per value, height in proportion to the largest; an empty bin is a space so a gap in
 * the distribution stays visible, and a non-empty one is never drawn empty.
 */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  if (max <= 0) return ' '.repeat(values.length);
  return values.map((v) => (v <= 0 ? ' ' : LEVELS[Math.min(LEVELS.length - 1, Math.ceil((v / max) * LEVELS.length) - 1)])).join('');
}

/** `1.02 ▁▃█▆▂  ▁ 48.0 ms (log scale, 24 bins)`: a latency histogram on one line. */
export function histogramLine(bins: readonly HistogramBin[], p: Palette): string | undefined {
  if (bins.length === 0) return undefined;
  const line = sparkline(bins.map((b) => b.count));
  return `${fmtMs(bins[0]!.fromMs)} ${p.cyan(line)} ${fmtMs(bins[bins.length - 1]!.toMs)} ms ${p.dim(`(log scale, ${bins.length} bins)`)}`;
}
