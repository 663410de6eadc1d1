import { writeFileSync } from 'node:fs';
import { diagnose } from '../diagnose/index.js';
import type { Finding } from '../model/finding.js';
import type { SessionStats } from '../model/stats.js';
import { schemaHeader } from '../report/schema.js';
import type { Session } from '../model/session.js';
import { toHar } from '../report/har.js';
import { renderFindings } from '../report/terminal/findings.js';
import { fmtMs, heading, keyValues, palette } from '../report/terminal/style.js';
import type { LiveSession, LiveTotals, SideTotals } from './live-session.js';
import type { ProcessInfo } from './process-info.js';

export type ReportReason = 'exit' | 'signal' | 'interval' | 'uncaught-exception' | 'request';

/** One report of a running (or ending) process: exact totals, the samples' stats, the findings. */
export interface RunReport {
  schema: 'connscope-run/1';
  schemaVersion: 1;
  reason: ReportReason;
  process: ProcessInfo;
  startedAt: string;
  at: string;
  uptimeMs: number;
  totals: LiveTotals;
  /** What the kept request traces are, so nobody reads sampled stats as totals. */
  sampled: { requests: number; connections: number; kept: string };
  stats: SessionStats;
  findings: Finding[];
  diagnostics: number;
}

export interface ReportInputs {
  live: LiveSession;
  /** Facts the live tracer knows besides its records (leaks, event loop), written into the session. */
  facts: () => Session['facts'];
  process: ProcessInfo;
  diagnostics: () => number;
}

export function buildRunReport(inputs: ReportInputs, reason: ReportReason): { report: RunReport; session: Session } {
  const session = inputs.live.snapshot();
  session.facts = inputs.facts();
  session.findings = diagnose(session);
  const o = inputs.live.options;
  const now = Date.now();
  const report: RunReport = {
    ...schemaHeader('run'),
    reason,
    process: inputs.process,
    startedAt: new Date(inputs.live.startedAtEpoch).toISOString(),
    at: new Date(now).toISOString(),
    uptimeMs: now - inputs.live.startedAtEpoch,
    totals: inputs.live.totalsNow(),
    sampled: {
      requests: session.requests.length,
      connections: session.connections.size,
      kept: `the ${o.keepRecent} most recent, the ${o.keepSlowest} slowest and the ${o.keepFailed} most recent failed requests; open connections and the last closed ones`,
    },
    stats: session.stats(),
    findings: session.findings,
    diagnostics: inputs.diagnostics(),
  };
  return { report, session };
}

export function renderRunReport(r: RunReport, color: boolean): string {
  const p = palette(color);
  let out = `${p.bold('connscope run')} ${p.dim(`pid ${r.process.pid}`)} ${r.process.argv.join(' ')}\n`;
  out += `  ${p.dim(`${r.reason} report after ${fmtMs(r.uptimeMs)} ms`)}\n`;
  out += renderSide('As a client (outgoing requests)', r.totals.client, p);
  if (r.totals.server.requests > 0 || r.totals.server.connectionsOpened > 0) out += renderSide('As a server (requests answered)', r.totals.server, p);
  const ph = r.stats.phases;
  const phaseRow = (name: keyof SessionStats['phases']): [string, string] => [name, ph[name] ? `p50 ${fmtMs(ph[name].p50)}  p99 ${fmtMs(ph[name].p99)}  (${ph[name].count})` : '-'];
  out += heading(`Phases (the ${r.sampled.requests} kept traces)`, p);
  out += keyValues((['blocked', 'dns', 'connect', 'tls', 'send', 'wait', 'receive'] as const).map(phaseRow), p);
  out += `  ${p.dim(`kept: ${r.sampled.kept}`)}\n`;
  out += heading('Findings', p);
  out += renderFindings(r.findings, p);
  if (r.diagnostics > 0) out += `  ${p.dim(`the tracer reported ${r.diagnostics} problem(s) of its own and carried on`)}\n`;
  return out;
}

function renderSide(title: string, t: SideTotals, p: ReturnType<typeof palette>): string {
  return heading(title, p) + keyValues(sideRows(t), p);
}

/** One side's exact totals as label/value rows (the HTML report shows the same rows). */
export function sideRows(t: SideTotals): [string, string | number][] {
  const pct = (n: number, of: number): string => (of > 0 ? `${((100 * n) / of).toFixed(1)} %` : '-');
  const list = (m: Record<string, number>): string =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}×${v}`)
      .join(' ') || '-';
  return [
    ['requests', t.requests],
    ['failed', `${t.failed} (${pct(t.failed, t.requests)})`],
    ['on a reused connection', pct(t.reused, t.requests)],
    ['status codes', list(t.status)],
    ['errors', list(t.errors)],
    ['duration p50 / p99 / max', t.duration ? `${fmtMs(t.duration.p50)} / ${fmtMs(t.duration.p99)} / ${fmtMs(t.duration.max)} ms` : '-'],
    ['connections opened', t.connectionsOpened],
    ['open now', t.connectionsOpen],
    ['closed', `${t.connectionsClosed}  ${list(t.closes)}`],
    ['TLS handshakes', `full ${t.handshakes.full}, resumed ${t.handshakes.resumed}`],
  ];
}

/**
 * Writes one file synchronously: reports are also written from the process's 'exit' event, where
 * nothing asynchronous runs any more.
 */
export function writeReportFile(path: string, text: string): void {
  writeFileSync(path, text);
}

export function harText(session: Session): string {
  return JSON.stringify(toHar(session), null, 2);
}
