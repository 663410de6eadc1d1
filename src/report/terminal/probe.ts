import type { ProbeResult } from '../../probe/types.js';
import { renderConnections } from './connections.js';
import { renderFindings } from './findings.js';
import { fmtBool, fmtBytes, fmtMs, heading, keyValues, palette, type Palette } from './style.js';
import { renderTable } from './table.js';
import { renderWaterfall } from './waterfall.js';

export interface ProbeRenderOptions {
  color: boolean;
}

/** The probe report: waterfall, connections, TLS, keep-alive, HTTP/2, matrix, findings. */
export function renderProbe(r: ProbeResult, o: ProbeRenderOptions): string {
  const p = palette(o.color);
  let out = `${p.bold('connscope probe')} ${r.url}${r.remoteAddress ? p.dim(` (${r.remoteAddress})`) : ''}\n`;
  if (r.insecure) out += `${p.yellow('warning:')} certificate verification is OFF (--insecure)\n`;
  out += heading('Requests (ms)', p);
  out += renderWaterfall(r.requests, { palette: p, color: o.color, labels: r.requestKinds });
  out += heading('Connections', p) + renderConnections(r.connections);
  if (r.tls) out += heading('TLS', p) + keyValues(tlsRows(r, p), p);
  out += heading('Keep-alive', p) + keyValues(keepAliveRows(r, p), p);
  out += heading('HTTP/2', p) + keyValues(http2Rows(r), p);
  if (r.matrix) out += heading('TLS × ALPN matrix', p) + renderMatrix(r, p);
  out += heading('Findings', p) + renderFindings(r.findings, p);
  return out;
}

type Rows = [string, string | number | null | undefined][];

/** The TLS section as label/value rows (the HTML report shows the same rows). */
export function tlsRows(r: ProbeResult, p: Palette): Rows {
  const t = r.tls!;
  const res = t.resumption;
  let resumption: string;
  if (res.supported === null) resumption = 'not checked';
  else if (res.supported) resumption = `${p.green('resumed')} (full ${fmtMs(res.fullHandshakeMs)} ms → resumed ${fmtMs(res.resumedHandshakeMs)} ms)`;
  else resumption = `${p.yellow('not resumed')} (full handshake ${fmtMs(res.fullHandshakeMs)} ms every time)`;
  if (res.mechanism) resumption += ` by ${MECHANISM[res.mechanism]}`;
  const validTo = t.certificate?.validTo ?? t.leafValidTo;
  const days = validTo ? Math.trunc((Date.parse(validTo) - Date.now()) / 86_400_000) : null;
  const expiry = validTo ? `${validTo.slice(0, 10)} (${days! < 0 ? p.red(`expired ${-days!} days ago`) : `${days} days`})` : null;
  const c = t.certificate;
  return [
    ['version', t.version],
    ['versions accepted', renderVersions(t, p)],
    ['cipher', t.cipher],
    ['key exchange', t.group],
    ['ALPN', t.alpn ?? 'none'],
    ['chain', t.chain ? `${t.chain.depth} certificates, ${fmtBytes(t.chain.bytes)}` : null],
    ['subject', c?.subject],
    ['names', c ? c.subjectAltNames.join(', ') || '-' : null],
    ['issuer', c?.issuer],
    ['key', c ? `${c.keyType ?? '?'}${c.keyBits ? ` (${c.keyBits} bits)` : ''}, signed ${c.signatureAlgorithm ?? '?'}` : null],
    ['verified', c ? (c.verified ? p.green('yes') : c.verified === false ? p.red(`no (${c.verifyError ?? 'unknown reason'})`) : '-') : null],
    ['leaf expires', expiry],
    ['OCSP stapled', fmtBool(t.ocspStapled)],
    ['resumption', resumption],
    ['TLS 1.3 resumption', res.tls13 ? renderTls13(res.tls13, p) : null],
    ['TLS 1.2 resumption', res.tls12 ? renderTls12(res.tls12) : null],
  ];
}

const MECHANISM = { psk: 'TLS 1.3 PSK (ticket)', ticket: 'TLS 1.2 session ticket', 'session-id': 'TLS 1.2 session id' } as const;

function renderVersions(t: NonNullable<ProbeResult['tls']>, p: Palette): string | null {
  if (!t.versions) return null;
  const all = Object.entries(t.versions);
  const name = (v: string): string => v.replace(/^TLSv1$/, 'TLSv1.0').replace('TLSv', '');
  const yes = all.filter(([, ok]) => ok === true).map(([v]) => (v === 'TLSv1' || v === 'TLSv1.1' ? p.yellow(name(v)) : name(v)));
  const no = all.filter(([, ok]) => ok === false).map(([v]) => name(v));
  const unknown = all.filter(([, ok]) => ok === null).map(([v]) => name(v));
  return [yes.length ? yes.join(', ') : 'none', no.length ? `refused: ${no.join(', ')}` : '', unknown.length ? `not known: ${unknown.join(', ')}` : '']
    .filter(Boolean).join('; ');
}

function lifetime(sec: number | null): string {
  if (sec === null) return '';
  return `, ticket lifetime ${sec >= 86_400 ? `${Math.round((sec / 86_400) * 10) / 10} days` : `${sec} s`}`;
}

function renderTls13(r: NonNullable<ProbeResult['tls']>['resumption']['tls13'] & object, p: Palette): string {
  if (!r.ticketIssued) return 'no session ticket issued';
  if (r.psk === false) return p.yellow(`tickets issued but never accepted back${lifetime(r.ticketLifetimeSec)}`);
  return `PSK ${fmtBool(r.psk)}${lifetime(r.ticketLifetimeSec)}`;
}

function renderTls12(r: NonNullable<ProbeResult['tls']>['resumption']['tls12'] & object): string {
  const ticket = r.ticketIssued ? `ticket ${fmtBool(r.ticket)}${lifetime(r.ticketLifetimeSec)}` : 'no ticket issued';
  return `${ticket}; session id ${fmtBool(r.sessionId)}`;
}

/** The keep-alive section as label/value rows. */
export function keepAliveRows(r: ProbeResult, p: Palette): Rows {
  const k = r.keepAlive;
  const idle = k.measuredIdleTimeoutMs !== null
    ? `${fmtMs(k.measuredIdleTimeoutMs)} ms (measured)`
    : k.idleBlackholeAfterMs !== null
      ? p.red(`the connection silently stopped answering within ${fmtMs(k.idleBlackholeAfterMs)} ms idle`)
      : k.idleTimeoutAtLeastMs !== null
        ? `at least ${fmtSeconds(k.idleTimeoutAtLeastMs)} (held idle ${fmtSeconds(k.idleTimeoutAtLeastMs)}, still open and answering)`
        : 'not measured (--idle-timeout)';
  return [
    ['Connection', k.connectionHeader],
    ['Keep-Alive', k.keepAliveHeader],
    ['hinted idle timeout', k.hintedIdleTimeoutMs !== null ? `${k.hintedIdleTimeoutMs} ms` : null],
    ['server kept connection', fmtBool(k.serverKeptConnection)],
    ['server idle timeout', idle],
    ['requests per connection', k.maxRequestsPerConnection !== null
      ? `${k.maxRequestsPerConnection} (then the server closes)`
      : k.maxRequestsWithoutClose !== null ? `no limit within ${k.maxRequestsWithoutClose} requests` : 'not measured (--max-requests)'],
    ['client idle timeout', `${k.clientIdleTimeoutMs} ms (checked against the server)`],
  ];
}

function fmtSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** The HTTP/2 section as label/value rows. */
export function http2Rows(r: ProbeResult): Rows {
  const h = r.http2;
  const streams = h.maxConcurrentStreams === null ? null : h.maxConcurrentStreams >= 2 ** 32 - 1 ? 'unlimited (not advertised)' : String(h.maxConcurrentStreams);
  return [
    ['negotiated', h.supported === null ? 'not checked' : h.supported ? 'h2 offered and selected' : 'no (the server does not select h2)'],
    ['used by this probe', fmtBool(h.used)],
    ['max concurrent streams', streams],
  ];
}

function renderMatrix(r: ProbeResult, p: Palette): string {
  const rows = r.matrix!.map((m) => [
    m.tls,
    m.alpn,
    m.ok ? p.green('ok') : p.red('fails'),
    m.negotiatedAlpn ?? '-',
    fmtMs(m.handshakeMs),
    m.reason ?? '',
  ]);
  return renderTable(['tls', 'alpn', 'result', 'selected', 'ms', 'why'], rows, { alignRight: [4] });
}
