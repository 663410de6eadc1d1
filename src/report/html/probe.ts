import { computeStats } from '../../model/stats.js';
import type { ProbeResult } from '../../probe/types.js';
import { http2Rows, keepAliveRows, tlsRows } from '../terminal/probe.js';
import { fmtMs, palette } from '../terminal/style.js';
import { closeBars, fullResumedBars, handshakeBars } from './distributions.js';
import { esc } from './escape.js';
import { findingCards } from './findings.js';
import { renderLanes } from './lanes.js';
import { htmlPage } from './page.js';
import { kv, section, table } from './parts.js';
import { connectionsTable, requestsTable } from './tables.js';

const PLAIN = palette(false);

/** The probe report as one self-contained HTML page, from the same ProbeResult as the terminal and --json. */
export function renderProbeHtml(r: ProbeResult, o: { version?: string } = {}): string {
  const stats = computeStats(r.connections, r.requests);
  const parts: string[] = [];
  parts.push(`<header><h1>connscope probe ${esc(r.url)}</h1><p class="sub">${esc([r.remoteAddress, r.startedAt, `${fmtMs(r.durationMs)} ms`].filter(Boolean).join(' · '))}</p>`
    + `${r.insecure ? '<p class="warnline">certificate verification was OFF (--insecure)</p>' : ''}`
    + `${r.error ? `<p class="warnline">${esc(r.error.message)}${r.error.hint ? ` (${esc(r.error.hint)})` : ''}</p>` : ''}</header>`);
  parts.push(section('Connections and requests', renderLanes(r.connections, r.requests, { scope: 'probe' }), 'lanes'));
  parts.push(section('Requests (ms)', requestsTable(r.requests, { scope: 'probe', labels: r.requestKinds }), 'requests'));
  parts.push(section('Connections', connectionsTable(r.connections, { scope: 'probe' }), 'connections'));
  if (r.tls) {
    const res = r.tls.resumption;
    parts.push(section('TLS', kv(tlsRows(r, PLAIN)) + handshakeBars([
      ['full handshake', res.fullHandshakeMs],
      ['resumed handshake', res.resumedHandshakeMs],
    ]) + `<h3>Handshakes</h3>` + fullResumedBars(stats.handshakes.full, stats.handshakes.resumed), 'tls'));
  }
  parts.push(section('Keep-alive', kv(keepAliveRows(r, PLAIN)) + '<h3>Closes by side and reason</h3>' + closeBars(stats.closes), 'keepalive'));
  parts.push(section('HTTP/2', kv(http2Rows(r)), 'http2'));
  if (r.matrix) {
    parts.push(section('TLS × ALPN matrix', table(['tls', 'alpn', 'result', 'selected', 'ms', 'why'], r.matrix.map((m) => [
      m.tls, m.alpn, m.ok ? 'ok' : 'fails', m.negotiatedAlpn ?? '-', fmtMs(m.handshakeMs), m.reason ?? '',
    ]), { numeric: [4] }), 'matrix'));
  }
  parts.push(section('Findings', findingCards(r.findings), 'findings'));
  return htmlPage({ kind: 'probe', title: `connscope probe ${r.url}`, body: parts.join('\n'), version: o.version });
}
