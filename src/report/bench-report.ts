import type { BenchResult } from '../bench/run.js';
import { BENCH_PHASES } from '../bench/tally.js';
import { fmtMs, heading, keyValues, palette, renderFindings, renderTable, type Palette } from './terminal/index.js';
import { histogramLine } from './terminal/sparkline.js';

export interface BenchRenderOptions {
  color: boolean;
}

export function fmtRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function fmtShare(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : `${(n * 100).toFixed(1)} %`;
}

/** `200×120  404×3`, largest first. */
export function fmtCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, v]) => `${k}×${v}`).join('  ') : '-';
}

/** One-line description of the settings, for headings and matrix captions. */
export function settingsLine(r: BenchResult): string {
  const s = r.settings;
  const parts = [`client=${s.client}`, `concurrency=${s.concurrency}`, `connections=${s.connections}`, `keepalive=${s.keepAlive ? 'on' : 'off'}`];
  if (s.rate !== undefined) parts.push(`rate=${s.rate}/s`);
  if (s.idleTimeoutMs !== undefined) parts.push(`idle-timeout=${s.idleTimeoutMs}ms`);
  if (s.pipelining > 1) parts.push(`pipelining=${s.pipelining}`);
  if (s.maxConcurrentStreams !== undefined) parts.push(`max-concurrent-streams=${s.maxConcurrentStreams}`);
  if (s.discardBody) parts.push('discard-body');
  if (s.insecure) parts.push('INSECURE');
  return parts.join('  ');
}

type Rows = [string, string | number][];

/** Throughput as label/value rows (the HTML report shows the same rows). */
export function throughputRows(r: BenchResult, p: Palette): Rows {
  const s = r.stats;
  const errLine = s.errors ? `${fmtCounts(s.errorsByCode)}  (${s.errorsOnReusedSockets} on reused sockets)` : '0';
  return [
    ['requests', s.requests],
    ['duration', `${(s.durationMs / 1000).toFixed(2)} s`],
    ['req/s', fmtRate(s.reqPerSec)],
    ['status codes', fmtCounts(s.statusCodes)],
    ['errors', s.errors ? p.red(errLine) : errLine],
    // requests the run stopped before they ended are not counted above, so say where they were
    ['unfinished', r.abandoned ? `${r.abandoned} in flight at the end, not counted (${fmtCounts(r.stuck)})` : '0'],
  ];
}

export const ERROR_HEAD = ['code', 'count', 'meaning'];

/** One row per error code: how many, and what it means. */
export function errorRows(r: BenchResult): (string | number)[][] {
  return r.errorTable.map((e) => [e.code, e.count, e.meaning]);
}

export const LATENCY_HEAD = ['min', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'];

/** The latency row under LATENCY_HEAD, in ms. */
export function latencyCells(r: BenchResult): string[] {
  const l = r.stats.latency;
  return l ? [fmtMs(l.min), fmtMs(l.p50), fmtMs(l.p90), fmtMs(l.p99), fmtMs(l.p999), fmtMs(l.max), fmtMs(l.mean)] : ['-', '-', '-', '-', '-', '-', '-'];
}

export const PHASE_HEAD = ['phase', 'mean', 'p99', 'requests'];

/** One row per bench phase under PHASE_HEAD. */
export function phaseRows(r: BenchResult): (string | number)[][] {
  return BENCH_PHASES.map((name) => {
    const ph = r.stats.phases[name];
    return [name, ph ? fmtMs(ph.mean) : '-', ph ? fmtMs(ph.p99) : '-', ph ? ph.count : 0];
  });
}

/** The lines under the phase table: where request time went besides the phases. */
export function phaseNotes(r: BenchResult): string[] {
  const s = r.stats;
  const out: string[] = [];
  if (s.blockedShare !== null) out.push(`time blocked waiting for a pool slot: ${fmtShare(s.blockedShare)} of request time`);
  if (s.loopQueueShare !== null && s.loopQueueShare >= 0.001) out.push(`time a free connection waited for the event loop: ${fmtShare(s.loopQueueShare)} of request time (not the pool)`);
  return out;
}

/** Connection accounting as label/value rows. */
export function connectionRows(r: BenchResult): Rows {
  const s = r.stats;
  return [
    ['opened', s.connectionsOpened],
    ['reuse rate', fmtShare(s.reuseRate)],
    ['requests/conn', s.requestsPerConnection ? `mean ${s.requestsPerConnection.mean.toFixed(1)}  max ${s.requestsPerConnection.max}` : '-'],
    ['setup (ms)', s.connectionSetup ? `mean ${fmtMs(s.connectionSetup.mean)}  p99 ${fmtMs(s.connectionSetup.p99)}` : '-'],
    ['TLS handshakes', s.handshakes.full + s.handshakes.resumed > 0 ? `full ${s.handshakes.full}  resumed ${s.handshakes.resumed}` : '-'],
    ['closes', fmtCounts(s.closes)],
  ];
}

/** Lines under the connection rows (HTTP/2 streams sent again). */
export function connectionNotes(r: BenchResult): string[] {
  const retried = r.session.facts.http2?.streamsRetried;
  return retried && retried.refused + retried.goaway > 0
    ? [`HTTP/2 streams refused unprocessed and sent again (not counted as requests or errors): REFUSED_STREAM ${retried.refused}, above GOAWAY's last-stream-id ${retried.goaway}`]
    : [];
}

/** The terminal report of one bench run. */
export function renderBenchReport(r: BenchResult, o: BenchRenderOptions): string {
  const p = palette(o.color);
  const s = r.stats;
  let out = `${p.bold('connscope bench')} ${r.settings.url}\n  ${p.dim(settingsLine(r))}\n`;
  if (r.aborted) out += `  ${p.yellow('interrupted: partial report')}\n`;
  if (r.failed) out += `  ${p.red(p.bold('FAILED: no request completed (see the finding no-request-completed)'))}\n`;
  if (r.settings.insecure) out += `  ${p.yellow('certificate verification was OFF (--insecure)')}\n`;
  out += heading('Throughput', p);
  out += keyValues(throughputRows(r, p), p);
  if (r.errorTable.length > 0) {
    out += heading('Errors', p);
    out += renderTable(ERROR_HEAD, errorRows(r), { alignRight: [1], indent: '  ' });
    for (const e of r.errorTable) if (e.example) out += `  ${p.dim(`example (${e.code}): ${e.example}`)}\n`;
  }
  if (r.warmup) out += `  ${p.dim(`after a warm-up of ${r.warmup.requests} requests in ${(r.warmup.durationMs / 1000).toFixed(1)} s`)}\n`;
  out += heading(r.settings.rate !== undefined ? 'Latency (ms, from the intended send time)' : 'Latency (ms)', p);
  out += renderTable(LATENCY_HEAD, [latencyCells(r)], { alignRight: [0, 1, 2, 3, 4, 5, 6], indent: '  ' });
  const hist = histogramLine(s.latencyBins, p);
  if (hist) out += `  ${p.dim('histogram')} ${hist}\n`;
  out += heading('Phases (ms)', p);
  out += renderTable(PHASE_HEAD, phaseRows(r), { alignRight: [1, 2, 3], indent: '  ' });
  for (const line of phaseNotes(r)) out += `  ${p.dim(line)}\n`;
  out += heading('Connections', p);
  out += keyValues(connectionRows(r), p);
  for (const line of connectionNotes(r)) out += `  ${p.dim(line)}\n`;
  if (s.tracedRequests < s.requests && s.tracedRequests > 0) {
    out += `  ${p.dim(`connection accounting covers ${s.tracedRequests} of ${s.requests} requests`)}\n`;
  }
  out += heading('Findings', p);
  out += renderFindings(r.findings, p);
  return out;
}
