import type { ConnectionRecord } from '../../model/connection.js';
import { PHASE_NAMES } from '../../model/phases.js';
import type { RequestTrace } from '../../model/request.js';
import { fmtMs } from '../terminal/style.js';
import { requestStatus } from '../terminal/waterfall.js';
import { msLabel, niceTicks } from './axis.js';
import { coord, esc } from './escape.js';
import { legend, note } from './parts.js';
import { sampleLanes, type Lane, type SampleLimits } from './sample.js';
import { requestRowId } from './tables.js';

// viewBox geometry: a label column, the time plot, a column for how each connection ended
const WIDE = { W: 1000, X0: 200, X1: 780 };
/** For half-width charts (the lab's before and after side by side): text keeps its size. */
const COMPACT = { W: 520, X0: 80, X1: 340 };
type Geometry = typeof WIDE;
const AXIS_H = 22;
const LANE_H = 26;
const BAR_Y = 5;
const BAR_H = 12;
const SETUP_Y = 19;
const SETUP_H = 4;
/** From the end of the plot to the close column. */
const LABEL_GAP = 24;

export interface LanesOptions extends SampleLimits {
  /** Prefix of element ids (several lane charts can share a page). */
  scope: string;
  /** Said under the chart when the records themselves are a sample (bench, pcap). */
  recordsNote?: string;
  /** Half-width layout. */
  compact?: boolean;
  /** Least time the axis covers, so two charts (before and after) share one scale. */
  spanMs?: number;
}

/** First to last moment of the records (connection lifetimes and requests), in ms. */
export function recordsSpan(lanes: ReadonlyArray<{ connection?: ConnectionRecord; requests: readonly RequestTrace[] }>): { t0: number; t1: number } {
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const l of lanes) {
    const c = l.connection;
    if (c) {
      t0 = Math.min(t0, c.openedAt);
      t1 = Math.max(t1, c.openedAt + c.establishment.total, c.closedAt ?? -Infinity);
    }
    for (const r of l.requests) {
      t0 = Math.min(t0, r.startedAt);
      t1 = Math.max(t1, r.startedAt + r.phases.total);
    }
  }
  return { t0, t1 };
}

/** The time a lane chart of these records needs (what spanMs takes to align two charts). */
export function spanOf(connections: readonly ConnectionRecord[], requests: readonly RequestTrace[]): number {
  const { t0, t1 } = recordsSpan([...connections.map((connection) => ({ connection, requests: [] })), { requests }]);
  return t1 > t0 ? t1 - t0 : 0;
}

/**
 * Connection lanes: one row per connection on one time axis, its requests as waterfall bars in
 * the phase colours, its setup (dns/connect/tls) under them, idle gaps shaded, and how it ended
 * (side and reason) at the right. Every bar has a tooltip with its numbers; the script adds a
 * click panel. Bar widths are exactly proportional to the phases (data-ms per segment).
 */
export function renderLanes(connections: readonly ConnectionRecord[], requests: readonly RequestTrace[], o: LanesOptions): string {
  const { lanes, sampled } = sampleLanes(connections, requests, o);
  const g = o.compact ? COMPACT : WIDE;
  const { W, X0, X1 } = g;
  if (lanes.length === 0) return note('no connections or requests to draw');
  const { t0, t1 } = recordsSpan(lanes);
  const span = Math.max(t1 - t0, o.spanMs ?? 0, 0.001);
  const k = (X1 - X0) / span; // viewBox units per ms
  const x = (t: number): number => X0 + (t - t0) * k;
  const height = AXIS_H + lanes.length * LANE_H + 4;
  const parts: string[] = [];
  for (const tick of niceTicks(span, o.compact ? 4 : 7).filter((t) => t <= span)) {
    const tx = coord(X0 + tick * k);
    parts.push(`<line class="grid" x1="${tx}" x2="${tx}" y1="${AXIS_H - 4}" y2="${height}"/><text class="tick" x="${tx}" y="${AXIS_H - 8}" text-anchor="middle">${esc(msLabel(tick))}</text>`);
  }
  parts.push(`<text class="muted" x="0" y="${AXIS_H - 8}">connection</text><text class="muted" x="${X1 + LABEL_GAP}" y="${AXIS_H - 8}">${o.compact ? 'closed' : 'closed by: reason'}</text>`);
  lanes.forEach((lane, i) => parts.push(renderLane(lane, AXIS_H + i * LANE_H, x, k, t1, o.scope, g)));
  // t1 is where still-open connections end: the last moment the records show
  const notes = [sampled, o.recordsNote].filter(Boolean).join(' ');
  return `<figure class="lanes" id="${esc(o.scope)}-lanes">
${legend()}
<svg viewBox="0 0 ${W} ${height}" role="img" aria-label="connection lanes" data-units-per-ms="${k}" data-t0="${t0}">
${parts.join('\n')}
</svg>
<figcaption class="note">${o.compact ? '' : `One lane per connection on a shared time axis (0 = first activity shown). Bars are requests, split into phases
(a thin gray whisker is time queued for a connection); the thin bar under a lane is the connection's setup; shaded gaps are idle time; the flag is
the close, and the right column says who closed and why. `}Hover a bar for its numbers, click it for the panel. ${esc(notes)}</figcaption>
</figure>`;
}

function renderLane(lane: Lane, y: number, x: (t: number) => number, k: number, tEnd: number, scope: string, g: Geometry): string {
  const c = lane.connection;
  const out: string[] = [`<g class="lane" data-conn="${esc(lane.key)}" transform="translate(0 ${y})">`];
  const summary = c ? `${c.protocol === 'unknown' || g === COMPACT ? '' : `${c.protocol} · `}${c.requests} req${c.tls ? (c.tls.resumed ? ' · resumed' : ' · full TLS') : ''}` : '';
  out.push(`<text x="0" y="${BAR_Y + 10}"><tspan font-weight="600">${esc(lane.key)}</tspan><tspan class="muted"> ${esc(summary)}</tspan></text>`);
  const lifeEnd = c?.closedAt ?? tEnd;
  const lifeStart = Math.min(c?.openedAt ?? Infinity, lane.requests[0]?.startedAt ?? Infinity);
  out.push(`<line class="life" x1="${coord(x(lifeStart))}" x2="${coord(x(lifeEnd))}" y1="${BAR_Y + BAR_H / 2}" y2="${BAR_Y + BAR_H / 2}"/>`);
  if (c) out.push(setupBar(c, x, k));
  for (const r of lane.requests) {
    if (r.idleBeforeMs !== undefined && r.idleBeforeMs > 0) {
      out.push(`<rect class="idle" x="${coord(x(r.startedAt - r.idleBeforeMs))}" y="${BAR_Y}" width="${coord(r.idleBeforeMs * k)}" height="${BAR_H}"><title>idle ${esc(fmtMs(r.idleBeforeMs))} ms before ${esc(r.id)}</title></rect>`);
    }
  }
  const last = lane.requests[lane.requests.length - 1];
  if (c?.closedAt !== undefined && last && lane.hidden === 0) {
    const lastEnd = last.startedAt + last.phases.total;
    if (c.closedAt > lastEnd) {
      out.push(`<rect class="idle" x="${coord(x(lastEnd))}" y="${BAR_Y}" width="${coord((c.closedAt - lastEnd) * k)}" height="${BAR_H}"><title>idle ${esc(fmtMs(c.closedAt - lastEnd))} ms after ${esc(last.id)}, then ${esc(closeText(c))}</title></rect>`);
    }
  }
  for (const r of lane.requests) out.push(requestBar(r, x, k, scope));
  out.push(closeMark(c, x, lifeEnd, g.X1, g === COMPACT));
  if (lane.hidden) out.push(`<text class="muted" x="0" y="${BAR_Y + 21}" font-size="9">+${lane.hidden} not drawn</text>`);
  out.push('</g>');
  return out.join('');
}

function setupBar(c: ConnectionRecord, x: (t: number) => number, k: number): string {
  let cursor = x(c.openedAt);
  const segs: string[] = [];
  const words: string[] = [];
  for (const n of ['dns', 'connect', 'tls'] as const) {
    const v = c.establishment[n];
    if (v === undefined) continue;
    segs.push(`<rect class="ph-${n}" x="${coord(cursor)}" y="${SETUP_Y}" width="${coord(v * k)}" height="${SETUP_H}" data-setup="${n}" data-ms="${v}"/>`);
    words.push(`${n} ${fmtMs(v)} ms`);
    cursor += v * k;
  }
  if (segs.length === 0) return '';
  return `<g class="setup"><title>${esc(`${c.id} setup: ${words.join(', ')} (total ${fmtMs(c.establishment.total)} ms)${c.tls ? `, TLS ${c.tls.version ?? ''} ${c.tls.resumed ? 'resumed' : 'full handshake'}` : ''}`)}</title>${segs.join('')}</g>`;
}

function requestBar(r: RequestTrace, x: (t: number) => number, k: number, scope: string): string {
  let cursor = x(r.startedAt);
  const segs: string[] = [];
  const words: string[] = [];
  for (const n of PHASE_NAMES) {
    // microseconds, as --json rounds them: the bar, its data-ms and the JSON say the same number
    const raw = r.phases[n];
    if (raw === undefined) continue;
    const v = micro(raw);
    // blocked is time before the request reached this connection (queued in the pool): a thin whisker,
    // so queued requests that overlap on a busy lane do not hide the requests on the wire.
    // The colour comes from the stylesheet (by data-phase): a bench page draws hundreds of these.
    const [y, h] = n === 'blocked' ? [BAR_Y + BAR_H / 2 - 2, 4] : [BAR_Y, BAR_H];
    segs.push(`<rect x="${coord(cursor)}" y="${y}" width="${coord(v * k)}" height="${h}" data-phase="${n}" data-ms="${v}" data-label="${esc(fmtMs(raw))}"/>`);
    words.push(`${n} ${fmtMs(raw)}`);
    cursor += v * k;
  }
  const info = `${r.method} ${r.path} → ${requestStatus(r)} · ${r.reused ? `reused, #${r.requestIndexOnConnection ?? '?'} on ${r.connectionId}` : 'new connection'}${r.idleBeforeMs !== undefined ? ` · idle before ${fmtMs(r.idleBeforeMs)} ms` : ''}${r.error ? ` · ${r.error.message}` : ''}`;
  const title = `${r.id} on ${r.connectionId ?? 'no connection'}: total ${fmtMs(r.phases.total)} ms (${words.join(', ')} ms) · ${info}`;
  const fail = r.error ? `<text x="${coord(cursor + 2)}" y="${BAR_Y + 10}" fill="var(--err)" style="fill:var(--err)">✕</text>` : '';
  return `<g class="req${r.error ? ' failed' : ''}" tabindex="0" data-req="${esc(r.id)}" data-conn="${esc(r.connectionId ?? '')}" data-total="${esc(fmtMs(r.phases.total))}" data-row="${esc(requestRowId(scope, r))}"><title>${esc(title)}</title>${segs.join('')}${fail}</g>`;
}

/** ms rounded to the microsecond (what --json prints). */
function micro(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function closeText(c: ConnectionRecord): string {
  return c.close ? `closed by ${c.close.closedBy} (${c.close.reason}${c.close.errorCode ? `, ${c.close.errorCode}` : ''})` : 'closed';
}

/** The close: a marker at the moment, coloured by side, and side: reason in the right column. */
function closeMark(c: ConnectionRecord | undefined, x: (t: number) => number, at: number, X1: number, compact: boolean): string {
  if (!c) return '';
  if (c.closedAt === undefined || !c.close) {
    return `<text class="muted" x="${X1 + LABEL_GAP}" y="${BAR_Y + 10}">${c.closedAt === undefined ? (compact ? 'open' : 'open at the end') : 'closed'}</text>`;
  }
  const side = ['client', 'server'].includes(c.close.closedBy) ? c.close.closedBy : 'unknown';
  const cx = coord(x(at));
  return `<g class="close" data-side="${esc(c.close.closedBy)}" data-reason="${esc(c.close.reason)}"><title>${esc(`${c.id} ${closeText(c)}`)}</title>`
    + `<path class="close-${side}" d="M${cx} ${BAR_Y - 3}v${BAR_H + 6}h-2.5v-${BAR_H + 6}z"/><path class="close-${side}" d="M${cx} ${BAR_Y - 3}l7 3.5l-7 3.5z"/>`
    // compact: the side is the colour (the tooltip says it in words), the reason the text
    + `<text x="${X1 + LABEL_GAP}" y="${BAR_Y + 10}">${compact ? '' : `<tspan class="close-${side}" font-weight="600">${esc(c.close.closedBy)}</tspan>: `}`
    + `<tspan${compact ? ` class="close-${side}"` : ''}>${esc(c.close.reason)}</tspan></text></g>`;
}
