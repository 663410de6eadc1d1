import type { HistogramBin, PercentilePoint } from '../../bench/histogram.js';
import type { SecondSample } from '../../bench/per-second.js';
import { fmtMs } from '../terminal/style.js';
import { msLabel, niceTicks } from './axis.js';
import { coord, esc } from './escape.js';

const W = 1000;

export interface CurveSeries {
  name: string;
  /** CSS class of the line ('total', 'ph-wait' ...). */
  cls: string;
  points: readonly PercentilePoint[];
}

/** x of a percentile on an HDR plot: each added nine (90, 99, 99.9 …) is one step; max sits after 99.999. */
function nines(p: number): number {
  return p >= 100 ? 5.4 : Math.min(5, -Math.log10(1 - p / 100));
}

/** An HDR percentile plot: latency (ms) against percentile, the tail spread out by nines. */
export function percentilePlot(series: readonly CurveSeries[], label: string): string {
  const drawn = series.filter((s) => s.points.length > 0);
  if (drawn.length === 0) return '';
  const H = 260;
  const [x0, x1, y0, y1] = [60, W - 120, 16, H - 30];
  const max = Math.max(...drawn.flatMap((s) => s.points.map((p) => p.ms)), 0.001);
  const ticks = niceTicks(max, 5);
  const top = ticks[ticks.length - 1]!;
  const X = (p: number): number => x0 + (nines(p) / 5.4) * (x1 - x0);
  const Y = (ms: number): number => y1 - (ms / top) * (y1 - y0);
  const out: string[] = [];
  for (const t of ticks) out.push(`<line class="grid" x1="${x0}" x2="${x1}" y1="${coord(Y(t))}" y2="${coord(Y(t))}"/><text class="tick" x="${x0 - 6}" y="${coord(Y(t) + 4)}" text-anchor="end">${esc(msLabel(t))}</text>`);
  for (const [p, name] of [[0, '0%'], [90, '90%'], [99, '99%'], [99.9, '99.9%'], [99.99, '99.99%'], [99.999, '99.999%'], [100, 'max']] as const) {
    out.push(`<line class="grid" x1="${coord(X(p))}" x2="${coord(X(p))}" y1="${y0}" y2="${y1}"/><text class="tick" x="${coord(X(p))}" y="${y1 + 16}" text-anchor="middle">${name}</text>`);
  }
  drawn.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${coord(X(p.percentile))} ${coord(Y(p.ms))}`).join('');
    out.push(`<g class="curve" data-series="${esc(s.name)}"><path class="line ${esc(s.cls)}" d="${d}"/>`);
    for (const p of s.points) {
      out.push(`<circle class="dot ${esc(s.cls)}" cx="${coord(X(p.percentile))}" cy="${coord(Y(p.ms))}" r="2.5" data-percentile="${p.percentile}" data-ms="${p.ms}"><title>${esc(`${s.name} p${p.percentile}: ${fmtMs(p.ms)} ms`)}</title></circle>`);
    }
    out.push('</g>');
    out.push(`<text x="${x1 + 14}" y="${y0 + 10 + i * 16}"><tspan class="${esc(s.cls)}">━</tspan> ${esc(s.name)}</text>`);
  });
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">${out.join('')}</svg>`;
}

export interface BarItem {
  label: string;
  value: number;
  /** Extra CSS class of the bar ('err', 'resumed', 'full'). */
  cls?: string;
  /** Text after the bar (defaults to the value). */
  text?: string;
}

/** Horizontal bars with their labels and values (closes by side and reason, full vs resumed …). */
export function hbars(items: readonly BarItem[], label: string): string {
  if (items.length === 0) return '<p class="note">none</p>';
  const rowH = 22;
  const H = items.length * rowH + 4;
  const [x0, x1] = [260, 720];
  const max = Math.max(...items.map((i) => i.value), 1e-9);
  const rows = items.map((it, i) => {
    const y = i * rowH + 3;
    const w = (it.value / max) * (x1 - x0);
    const text = it.text ?? String(it.value);
    return `<g data-label="${esc(it.label)}" data-value="${it.value}"><title>${esc(`${it.label}: ${text}`)}</title><text x="${x0 - 8}" y="${y + 13}" text-anchor="end">${esc(it.label)}</text>`
      + `<rect class="bar ${esc(it.cls ?? '')}" x="${x0}" y="${y}" width="${coord(w)}" height="${rowH - 7}" rx="2"/><text x="${coord(x0 + w + 6)}" y="${y + 13}">${esc(text)}</text></g>`;
  });
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">${rows.join('')}</svg>`;
}

/** The latency histogram (log-spaced bins) as vertical bars; the terminal draws the same bins as a sparkline. */
export function histogramBars(bins: readonly HistogramBin[], label: string): string {
  if (bins.length === 0) return '';
  const H = 150;
  const [x0, x1, y0, y1] = [60, W - 120, 8, H - 24];
  const max = Math.max(...bins.map((b) => b.count), 1);
  const bw = (x1 - x0) / bins.length;
  const out = bins.map((b, i) => {
    const h = (b.count / max) * (y1 - y0);
    return `<rect class="bar" x="${coord(x0 + i * bw + 1)}" y="${coord(y1 - h)}" width="${coord(bw - 2)}" height="${coord(h)}" data-count="${b.count}"><title>${esc(`${fmtMs(b.fromMs)}–${fmtMs(b.toMs)} ms: ${b.count} requests`)}</title></rect>`;
  });
  out.push(`<line class="axis" x1="${x0}" x2="${x1}" y1="${y1}" y2="${y1}"/>`);
  for (const i of [0, Math.floor(bins.length / 2), bins.length]) {
    const ms = i === bins.length ? bins[bins.length - 1]!.toMs : bins[i]!.fromMs;
    out.push(`<text class="tick" x="${coord(x0 + i * bw)}" y="${y1 + 15}" text-anchor="middle">${esc(fmtMs(ms))} ms</text>`);
  }
  out.push(`<text class="tick" x="${x0 - 6}" y="${y0 + 8}" text-anchor="end">${max}</text>`);
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">${out.join('')}</svg>`;
}

export interface TimeSeriesSpec {
  name: string;
  pick: (s: SecondSample) => number;
  /** 'bars' for counts per second, 'step' for a level (open connections). */
  kind: 'bars' | 'step';
  cls: string;
}

/** One small chart per series, on one seconds axis: req/s, open connections, errors over time. */
export function timeSeries(samples: readonly SecondSample[], specs: readonly TimeSeriesSpec[]): string {
  if (samples.length === 0) return '';
  const H = 96;
  const [x0, x1, y0, y1] = [60, W - 120, 8, H - 22];
  const bw = (x1 - x0) / samples.length;
  return specs
    .map((spec) => {
      const values = samples.map(spec.pick);
      const ticks = niceTicks(Math.max(...values, 1), 3);
      const top = ticks[ticks.length - 1]!;
      const Y = (v: number): number => y1 - (v / top) * (y1 - y0);
      const out: string[] = [];
      for (const t of ticks) out.push(`<line class="grid" x1="${x0}" x2="${x1}" y1="${coord(Y(t))}" y2="${coord(Y(t))}"/><text class="tick" x="${x0 - 6}" y="${coord(Y(t) + 4)}" text-anchor="end">${t}</text>`);
      if (spec.kind === 'bars') {
        values.forEach((v, i) => out.push(`<rect class="bar ${spec.cls}" x="${coord(x0 + i * bw + 0.5)}" y="${coord(Y(v))}" width="${coord(Math.max(0.5, bw - 1))}" height="${coord(y1 - Y(v))}" data-second="${i}" data-value="${v}"><title>${esc(`second ${i + 1}: ${v} ${spec.name}`)}</title></rect>`));
      } else {
        const d = values.map((v, i) => `${i ? 'L' : 'M'}${coord(x0 + i * bw)} ${coord(Y(v))}H${coord(x0 + (i + 1) * bw)}`).join('');
        out.push(`<path class="line ${spec.cls}" d="${d}"/>`);
        values.forEach((v, i) => out.push(`<rect x="${coord(x0 + i * bw)}" y="${y0}" width="${coord(bw)}" height="${y1 - y0}" fill="transparent" data-second="${i}" data-value="${v}"><title>${esc(`second ${i + 1}: ${v} ${spec.name}`)}</title></rect>`));
      }
      out.push(`<line class="axis" x1="${x0}" x2="${x1}" y1="${y1}" y2="${y1}"/>`);
      for (const i of niceTicks(samples.length, 8).filter((i) => Number.isInteger(i) && i <= samples.length)) out.push(`<text class="tick" x="${coord(x0 + i * bw)}" y="${y1 + 15}" text-anchor="middle">${i} s</text>`);
      out.push(`<text x="${x1 + 12}" y="${y0 + 12}" font-weight="600">${esc(spec.name)}</text>`);
      return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(spec.name)} per second" data-series="${esc(spec.name)}">${out.join('')}</svg>`;
    })
    .join('\n');
}
