import type { Session } from '../../model/session.js';
import { sideRows, type RunReport } from '../../run/report.js';
import { fmtMs } from '../terminal/style.js';
import { esc } from './escape.js';
import { htmlPage } from './page.js';
import { kv, section } from './parts.js';
import { sessionSections } from './session.js';
import { connectionsTable } from './tables.js';

/**
 * The `connscope run` report as a page: the exact totals of each side (the terminal's rows), then
 * the kept traces (a sample, and the page says which) as lanes, aggregate, TLS, closes and findings.
 */
export function renderRunHtml(r: RunReport, session: Session, o: { version?: string } = {}): string {
  const parts = [`<header><h1>connscope run ${esc(r.process.argv.join(' '))}</h1>`
    + `<p class="sub">${esc(`pid ${r.process.pid} · ${r.reason} report after ${fmtMs(r.uptimeMs)} ms · ${r.at}`)}</p></header>`];
  parts.push(section('As a client (outgoing requests)', kv(sideRows(r.totals.client)), 'client'));
  if (r.totals.server.requests > 0 || r.totals.server.connectionsOpened > 0) parts.push(section('As a server (requests answered)', kv(sideRows(r.totals.server)), 'server'));
  parts.push(sessionSections(session, {
    scope: 'run',
    recordsNote: `The lanes draw the kept traces (${r.sampled.requests} requests, ${r.sampled.connections} connections): ${r.sampled.kept}; the totals above count every request.`,
  }));
  parts.push(section('Connections (kept)', connectionsTable([...session.connections.values()], { scope: 'run' }), 'connections'));
  return htmlPage({ kind: 'run', title: `connscope run ${r.process.argv.join(' ')}`, body: parts.join('\n'), version: o.version });
}
