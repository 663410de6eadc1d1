import type { CaptureSession } from '../capture/capture-session.js';
import type { PcapConnectionRecord } from '../capture/pcap-record.js';
import type { Distribution } from '../model/histogram.js';
import { fmtBytes, fmtMs } from './terminal/style.js';

/** The parts of `connscope pcap`'s report that the terminal and the HTML report print alike. */

const LINK_NAMES: Record<number, string> = {
  0: 'BSD loopback', 1: 'Ethernet', 12: 'raw IP', 14: 'raw IP', 101: 'raw IP', 108: 'OpenBSD loopback', 113: 'Linux cooked (SLL)',
  228: 'raw IPv4', 229: 'raw IPv6', 276: 'Linux cooked v2 (SLL2)',
};

/** `pcapng, Linux cooked (SLL), 120 packets (118 TCP), 31.2 KiB, 812 ms of traffic, read in 3.1 ms` */
export function captureLine(s: CaptureSession): string {
  const c = s.capture;
  return `${c.format}${c.gzip ? ' (gzip)' : ''}, ${c.linkTypes.map((l) => LINK_NAMES[l] ?? `link ${l}`).join(' + ')}, `
    + `${c.packets} packets (${c.tcpPackets} TCP), ${fmtBytes(c.bytes)}, ${fmtMs(c.durationMs)} ms of traffic, read in ${fmtMs(c.elapsedMs)} ms`;
}

export const CAPTURE_CONNECTION_HEAD = ['id', 'client', 'server', 'sni', 'tls', 'handshake', 'hs ms', 'rtt ms', 'req', 'bytes ↑/↓', 'first close', 'reason'];
export const CAPTURE_CONNECTION_NUMERIC = [6, 7, 8];

export function captureConnectionRow(r: PcapConnectionRecord): (string | number)[] {
  const t = r.pcap.tls;
  return [
    r.id, r.pcap.client, r.pcap.server, t?.sni ?? (r.pcap.app === 'tls' ? '-' : r.pcap.app),
    r.tls?.version?.replace('TLSv', '') ?? '-',
    t ? `${t.resumed ? 'resumed' : 'full'}${t.helloRetry ? '+HRR' : ''}${t.unparsable ? ' (unparsable)' : ''}` : '-',
    fmtMs(t?.handshakeMs), fmtMs(r.pcap.rttMs), `${r.requests}${r.pcap.requestsEstimated && r.requests ? '~' : ''}`,
    `${fmtBytes(r.bytesSent)}/${fmtBytes(r.bytesReceived)}`,
    r.pcap.firstClose ? `${r.pcap.firstClose.side} ${r.pcap.firstClose.flag}` : 'open',
    r.close?.reason ?? '-',
  ];
}

function dist(d: Distribution | undefined): string | undefined {
  return d ? `p50 ${fmtMs(d.p50)} ms, p90 ${fmtMs(d.p90)} ms, max ${fmtMs(d.max)} ms (${d.count})` : undefined;
}

function counts(r: Record<string, number>): string | undefined {
  const parts = Object.entries(r).map(([k, v]) => `${k} ×${v}`);
  return parts.length ? parts.join(', ') : undefined;
}

/** The summary as label/value rows; rows with nothing to say are left out. */
export function captureSummaryRows(s: CaptureSession): [string, string | number][] {
  const sum = s.summary;
  const t = sum.tls;
  const closes = sum.closes;
  return ([
    ['requests', `${sum.requests}${sum.requestsPerConnection ? `  (per connection: mean ${sum.requestsPerConnection.mean.toFixed(2)}, max ${sum.requestsPerConnection.max})` : ''}`],
    ['TLS versions', counts(t.versions)],
    ['ALPN chosen', counts(t.alpn) ?? (t.connections ? 'not visible (TLS 1.3 encrypts it) or none' : undefined)],
    ['resumption', t.connections ? `attempted ${t.resumptionAttempted}, accepted ${t.resumed} of ${t.connections} TLS connections` : undefined],
    ['full handshakes', dist(t.fullHandshakeMs)],
    ['resumed handshakes', dist(t.resumedHandshakeMs)],
    ['hello retries', t.helloRetries || undefined],
    ['unparsable TLS', t.unparsable || undefined],
    ['closed first by', `client FIN ${closes.client.fin}, RST ${closes.client.rst}; server FIN ${closes.server.fin}, RST ${closes.server.rst}; still open ${closes.open}`],
    ['close reasons', counts(closes.reasons)],
    ['network RTT', dist(sum.rttMs)],
    ['retransmissions', sum.retransmissions],
    ['out-of-order', sum.outOfOrder],
  ] as [string, string | number | undefined][]).filter(([, v]) => v !== undefined) as [string, string | number][];
}
