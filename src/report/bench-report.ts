import type { BenchResult } from '../bench/run.js';
import { BENCH_PHASES } from '../bench/tally.js';
import { fmtMs, heading, keyValues, palette, renderFindings, renderTable } from './terminal/index.js';

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

/** The terminal report of one bench run. */
export function renderBenchReport(r: BenchResult, o: BenchRenderOptions): string {
  const p = palette(o.color);
  const s = r.stats;
  let out = `${p.bold('connscope bench')} ${r.settings.url}\n  ${p.dim(settingsLine(r))}\n`;
  if (r.aborted) out += `  ${p.yellow('interrupted: partial report')}\n`;
  if (r.failed) out += `  ${p.red(p.bold('FAILED: no request completed (see the finding no-request-completed)'))}\n`;
  if (r.settings.insecure) out += `  ${p.yellow('certificate verification was OFF (--insecure)')}\n`;
  out += heading('Throughput', p);
  const errLine = s.errors ? `${fmtCounts(s.errorsByCode)}  (${s.errorsOnReusedSockets} on reused sockets)` : '0';
  out += keyValues([
    ['requests', s.requests],
    ['duration', `${(s.durationMs / 1000).toFixed(2)} s`],
    ['req/s', fmtRate(s.reqPerSec)],
    ['status codes', fmtCounts(s.statusCodes)],
    ['errors', s.errors ? p.red(errLine) : errLine],
    // requests the run stopped before they ended are not counted above, so say where they were
    ['unfinished', r.abandoned ? `${r.abandoned} in flight at the end, not counted (${fmtCounts(r.stuck)})` : '0'],
  ], p);
  if (r.errorTable.length > 0) {
    out += heading('Errors', p);
    out += renderTable(['code', 'count', 'meaning'], r.errorTable.map((e) => [e.code, e.count, e.meaning]), { alignRight: [1], indent: '  ' });
    for (const e of r.errorTable) if (e.example) out += `  ${p.dim(`example (${e.code}): ${e.example}`)}\n`;
  }
  if (r.warmup) out += `  ${p.dim(`after a warm-up of ${r.warmup.requests} requests in ${(r.warmup.durationMs / 1000).toFixed(1)} s`)}\n`;
  out += heading(r.settings.rate !== undefined ? 'Latency (ms, from the intended send time)' : 'Latency (ms)', p);
  const l = s.latency;
  out += renderTable(['min', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'], l ? [[fmtMs(l.min), fmtMs(l.p50), fmtMs(l.p90), fmtMs(l.p99), fmtMs(l.p999), fmtMs(l.max), fmtMs(l.mean)]] : [['-', '-', '-', '-', '-', '-', '-']], { alignRight: [0, 1, 2, 3, 4, 5, 6], indent: '  ' });
  out += heading('Phases (ms)', p);
  const rows = BENCH_PHASES.map((name) => {
    const ph = s.phases[name];
    return [name, ph ? fmtMs(ph.mean) : '-', ph ? fmtMs(ph.p99) : '-', ph ? ph.count : 0];
  });
  out += renderTable(['phase', 'mean', 'p99', 'requests'], rows, { alignRight: [1, 2, 3], indent: '  ' });
  if (s.blockedShare !== null) out += `  ${p.dim(`time blocked waiting for a pool slot: ${fmtShare(s.blockedShare)} of request time`)}\n`;
  if (s.loopQueueShare !== null && s.loopQueueShare >= 0.001) out += `  ${p.dim(`time a free connection waited for the event loop: ${fmtShare(s.loopQueueShare)} of request time (not the pool)`)}\n`;
  out += heading('Connections', p);
  out += keyValues([
    ['opened', s.connectionsOpened],
    ['reuse rate', fmtShare(s.reuseRate)],
    ['requests/conn', s.requestsPerConnection ? `mean ${s.requestsPerConnection.mean.toFixed(1)}  max ${s.requestsPerConnection.max}` : '-'],
    ['setup (ms)', s.connectionSetup ? `mean ${fmtMs(s.connectionSetup.mean)}  p99 ${fmtMs(s.connectionSetup.p99)}` : '-'],
    ['TLS handshakes', s.handshakes.full + s.handshakes.resumed > 0 ? `full ${s.handshakes.full}  resumed ${s.handshakes.resumed}` : '-'],
    ['closes', fmtCounts(s.closes)],
  ], p);
  const retried = r.session.facts.http2?.streamsRetried;
  if (retried && retried.refused + retried.goaway > 0) {
    out += `  ${p.dim(`HTTP/2 streams refused unprocessed and sent again (not counted as requests or errors): REFUSED_STREAM ${retried.refused}, above GOAWAY's last-stream-id ${retried.goaway}`)}\n`;
  }
  if (s.tracedRequests < s.requests && s.tracedRequests > 0) {
    out += `  ${p.dim(`connection accounting covers ${s.tracedRequests} of ${s.requests} requests`)}\n`;
  }
  out += heading('Findings', p);
  out += renderFindings(r.findings, p);
  return out;
}
