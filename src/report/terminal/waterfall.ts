import { PHASE_NAMES, type PhaseName } from '../../model/phases.js';
import type { RequestTrace } from '../../model/request.js';
import { fmtMs, type Palette } from './style.js';
import { renderTable } from './table.js';

/** One letter per phase so the bar reads without colors too. */
const LETTER: Record<PhaseName, string> = { blocked: '.', dns: 'd', connect: 'c', tls: 't', send: 's', wait: 'w', receive: 'r' };

function paint(p: Palette, phase: PhaseName, text: string): string {
  switch (phase) {
    case 'blocked': return p.gray(text);
    case 'dns': return p.magenta(text);
    case 'connect': return p.yellow(text);
    case 'tls': return p.cyan(text);
    case 'send': return p.blue(text);
    case 'wait': return p.green(text);
    case 'receive': return p.white(text);
  }
}

export interface WaterfallOptions {
  palette: Palette;
  /** Width of the bars in characters (default 32). */
  barWidth?: number;
  /** A label column per request (e.g. 'series', 'resumption'). */
  labels?: string[];
  /** Draw bars with colored blocks instead of letters. */
  color?: boolean;
}

/**
 * httpstat-like waterfall: per request the phases in ms and a bar on a time scale shared by all rows,
 * so a reused request is visibly shorter than one that paid for DNS, TCP and TLS.
 */
export function renderWaterfall(requests: readonly RequestTrace[], o: WaterfallOptions): string {
  if (requests.length === 0) return '  (no requests)\n';
  const width = o.barWidth ?? 32;
  const scale = Math.max(...requests.map((r) => r.phases.total), 0.001);
  const head = ['#', ...(o.labels ? ['kind'] : []), 'conn', 'reused', 'status', ...PHASE_NAMES, 'total', 'timeline'];
  const rows = requests.map((r, i) => [
    String(i + 1),
    ...(o.labels ? [o.labels[i] ?? ''] : []),
    r.connectionId ?? '-',
    r.reused ? 'yes' : 'new',
    r.error ? o.palette.red(requestStatus(r)) : requestStatus(r),
    ...PHASE_NAMES.map((n) => fmtMs(r.phases[n])),
    o.palette.bold(fmtMs(r.phases.total)),
    bar(r, scale, width, o),
  ]);
  const firstPhaseCol = (o.labels ? 5 : 4);
  const right = [0, ...PHASE_NAMES.map((_, i) => firstPhaseCol + i), firstPhaseCol + PHASE_NAMES.length];
  const legend = PHASE_NAMES.map((n) => `${paint(o.palette, n, o.color ? '█' : LETTER[n])} ${n}`).join('  ');
  return renderTable(head, rows, { alignRight: right }) + `  ${o.palette.dim('timeline:')} ${legend}  ${o.palette.dim(`(full width = ${fmtMs(scale)} ms)`)}\n`;
}

/** The status column: the HTTP status, or the error code without its CONNSCOPE_ERR_ prefix. */
export function requestStatus(r: RequestTrace): string {
  return r.error ? r.error.code.replace(/^CONNSCOPE_ERR_/, '') : String(r.status ?? '-');
}

/** Bar of one request: each phase gets cells in proportion to its time (at least one if present and > 0). */
function bar(r: RequestTrace, scale: number, width: number, o: WaterfallOptions): string {
  const cells = Math.max(1, Math.round((r.phases.total / scale) * width));
  let out = '';
  let used = 0;
  let carried = 0;
  for (const n of PHASE_NAMES) {
    const v = r.phases[n];
    if (v === undefined || v <= 0) continue;
    carried += (v / r.phases.total) * cells;
    const k = Math.max(1, Math.round(carried) - used);
    used += k;
    out += paint(o.palette, n, (o.color ? '█' : LETTER[n]).repeat(k));
  }
  return `|${out}${' '.repeat(Math.max(0, width - used))}|`;
}
