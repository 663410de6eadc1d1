import type { MatrixResult } from '../bench/matrix.js';
import { fmtMs, palette, renderTable } from './terminal/index.js';
import { fmtRate, fmtShare } from './bench-report.js';

export interface MatrixColumn {
  title: string;
  /** The raw number compared for "best"; null when unknown. */
  value: (r: MatrixResult['rows'][number]) => number | null;
  format: (n: number | null) => string;
  better: 'higher' | 'lower';
}

export const MATRIX_COLUMNS: readonly MatrixColumn[] = [
  { title: 'req/s', value: (r) => r.result.stats.reqPerSec, format: fmtRate, better: 'higher' },
  { title: 'p50 ms', value: (r) => r.result.stats.latency?.p50 ?? null, format: fmtMs, better: 'lower' },
  { title: 'p99 ms', value: (r) => r.result.stats.latency?.p99 ?? null, format: fmtMs, better: 'lower' },
  { title: 'reuse', value: (r) => r.result.stats.reuseRate, format: fmtShare, better: 'higher' },
  { title: 'conns', value: (r) => r.result.stats.connectionsOpened, format: (n) => (n === null ? '-' : String(n)), better: 'lower' },
  { title: 'setup ms', value: (r) => r.result.stats.connectionSetup?.mean ?? null, format: fmtMs, better: 'lower' },
  { title: 'errors', value: (r) => r.result.stats.errors, format: (n) => (n === null ? '-' : String(n)), better: 'lower' },
];

/** Index of the best row per column (ties: every tied row); columns where all rows are equal mark none. */
export function bestRows(m: MatrixResult): Array<Set<number>> {
  return MATRIX_COLUMNS.map((col) => {
    const vals = m.rows.map((r) => col.value(r));
    const known = vals.filter((v): v is number => v !== null && Number.isFinite(v));
    const best = new Set<number>();
    if (known.length < 2) return best;
    const target = col.better === 'higher' ? Math.max(...known) : Math.min(...known);
    if (known.every((v) => v === target)) return best;
    vals.forEach((v, i) => v === target && best.add(i));
    return best;
  });
}

/** One row per combination, best cell of each column marked with `*` (and green when colored). */
export function renderMatrix(m: MatrixResult, o: { color: boolean }): string {
  const p = palette(o.color);
  const best = bestRows(m);
  const rows = m.rows.map((r, i) => [
    r.label + (r.result.aborted ? ' (partial)' : ''),
    ...MATRIX_COLUMNS.map((col, c) => {
      const text = col.format(col.value(r));
      return best[c]!.has(i) ? p.green(`*${text}`) : ` ${text}`;
    }),
  ]);
  let out = `${p.bold('connscope bench --matrix')} ${m.rows[0]?.result.settings.url ?? ''}\n`;
  if (m.aborted) out += `  ${p.yellow('interrupted: partial matrix')}\n`;
  out += '\n' + renderTable(['combination', ...MATRIX_COLUMNS.map((c) => c.title)], rows, { alignRight: MATRIX_COLUMNS.map((_, i) => i + 1), indent: '  ' });
  out += `  ${p.dim('* best in its column; reuse = share of requests on a reused connection; setup = mean connection establishment')}\n`;
  const withFindings = m.rows.filter((r) => r.result.findings.length > 0);
  if (withFindings.length) {
    out += `\n${p.bold('Findings')}\n`;
    for (const r of withFindings) out += `  ${r.label}: ${r.result.findings.map((f) => f.id).join(', ')}\n`;
  }
  return out;
}
