import { PHASE_NAMES } from '../../model/phases.js';
import type { RequestTrace } from '../../model/request.js';
import type { Session } from '../../model/session.js';
import type { Distribution } from '../../model/histogram.js';
import type { SessionStats } from '../../model/stats.js';
import { fmtMs } from '../terminal/style.js';
import { percentilePlot, type CurveSeries } from './charts.js';
import { closeBars, fullResumedBars } from './distributions.js';
import { esc } from './escape.js';
import { findingCards } from './findings.js';
import { renderLanes } from './lanes.js';
import { htmlPage } from './page.js';
import { section, table } from './parts.js';
import { connectionsTable, requestsTable } from './tables.js';

/** Requests listed under the lanes of a large session: its failed and slowest. */
const LISTED = 20;

/** A model Distribution as the points of a percentile plot (min, p50, p90, p99, max). */
export function distributionPoints(d: Distribution | undefined): CurveSeries['points'] {
  return d ? [{ percentile: 0, ms: d.min }, { percentile: 50, ms: d.p50 }, { percentile: 90, ms: d.p90 }, { percentile: 99, ms: d.p99 }, { percentile: 100, ms: d.max }] : [];
}

/**
 * The aggregate view of a session's requests: each phase's distribution (SessionStats, the same
 * numbers --json prints) as a table and a percentile plot. Large runs read this instead of bars.
 */
export function phaseAggregate(stats: SessionStats): string {
  const names = [...PHASE_NAMES, 'total'] as const;
  const rows = names.filter((n) => stats.phases[n]).map((n) => {
    const d = stats.phases[n]!;
    return [n, d.count, fmtMs(d.min), fmtMs(d.p50), fmtMs(d.p90), fmtMs(d.p99), fmtMs(d.max), fmtMs(d.mean)];
  });
  if (rows.length === 0) return '';
  return table(['phase (ms)', 'requests', 'min', 'p50', 'p90', 'p99', 'max', 'mean'], rows, { numeric: [1, 2, 3, 4, 5, 6, 7] })
    + percentilePlot(names.map((n) => ({ name: n, cls: n === 'total' ? 'total' : `ph-${n}`, points: distributionPoints(stats.phases[n]) })), 'phase distributions');
}

/** Failed requests first, then the slowest, at most LISTED of each, in start order. */
export function slowestAndFailed(requests: readonly RequestTrace[]): RequestTrace[] {
  if (requests.length <= LISTED) return [...requests];
  const failed = requests.filter((q) => q.error).slice(0, LISTED);
  const slow = requests.filter((q) => !q.error).sort((a, b) => b.phases.total - a.phases.total).slice(0, LISTED);
  return [...failed, ...slow].sort((a, b) => a.startedAt - b.startedAt);
}

export interface SessionSectionOptions {
  scope: string;
  /** What the records are a sample of, when they are (said under the lanes). */
  recordsNote?: string;
  /** Leave out the TLS and close charts (a source that draws better ones of its own). */
  noDistributions?: boolean;
}

/**
 * Lanes, the aggregate view, TLS and closes, the tables and the findings of any Session: the
 * sections a `run` report (attach to an app) and the pcap report share.
 */
export function sessionSections(session: Session, o: SessionSectionOptions): string {
  const stats = session.stats();
  const conns = [...session.connections.values()];
  const requests = session.requests;
  const big = requests.length > LISTED;
  const parts = [
    section('Connections and requests', renderLanes(conns, requests, { scope: o.scope, recordsNote: o.recordsNote })
      + (big ? `<h3>Failed and slowest requests</h3>${requestsTable(slowestAndFailed(requests), { scope: o.scope })}` : requestsTable(requests, { scope: o.scope })), `${o.scope}-lanes`),
    section('Aggregate: phases over all requests', phaseAggregate(stats) || '<p class="note">no requests</p>', `${o.scope}-aggregate`),
  ];
  if (!o.noDistributions) {
    parts.push(section('TLS: full vs resumed', fullResumedBars(stats.handshakes.full, stats.handshakes.resumed), `${o.scope}-tls`));
    parts.push(section('Closes by side and reason', closeBars(stats.closes), `${o.scope}-closes`));
  }
  parts.push(section('Findings', findingCards(session.findings, `${o.scope}-finding`), `${o.scope}-findings`));
  return parts.join('\n');
}

/** A report of any Session (what `connscope run` will write on exit): heading plus sessionSections. */
export function renderSessionHtml(session: Session, o: { kind: string; title: string; subtitle?: string; version?: string }): string {
  const body = `<header><h1>${esc(o.title)}</h1>${o.subtitle ? `<p class="sub">${esc(o.subtitle)}</p>` : ''}</header>\n`
    + sessionSections(session, { scope: o.kind })
    + section('Connections', connectionsTable([...session.connections.values()], { scope: o.kind }), `${o.kind}-connections`);
  return htmlPage({ kind: o.kind, title: o.title, body, version: o.version });
}
