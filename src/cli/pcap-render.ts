import type { CaptureSession } from '../capture/capture-session.js';
import type { PcapConnectionRecord } from '../capture/pcap-record.js';
import type { Distribution } from '../model/stats.js';
import { fmtBytes, fmtMs, heading, keyValues, renderFindings, renderTable, type Palette } from '../report/terminal/index.js';

export { palette } from '../report/terminal/index.js';

/**
 * The terminal report of `connscope pcap`, apart from the command so that `--json` runs never load the
 * terminal renderer and its table/colour packages (start-up counts on small captures).
 */

const LINK_NAMES: Record<number, string> = {
  0: 'BSD loopback', 1: 'Ethernet', 12: 'raw IP', 14: 'raw IP', 101: 'raw IP', 108: 'OpenBSD loopback', 113: 'Linux cooked (SLL)',
  228: 'raw IPv4', 229: 'raw IPv6', 276: 'Linux cooked v2 (SLL2)',
};

function dist(d: Distribution | undefined): string | undefined {
  return d ? `p50 ${fmtMs(d.p50)} ms, p90 ${fmtMs(d.p90)} ms, max ${fmtMs(d.max)} ms (${d.count})` : undefined;
}

function counts(r: Record<string, number>): string | undefined {
  const parts = Object.entries(r).map(([k, v]) => `${k} ×${v}`);
  return parts.length ? parts.join(', ') : undefined;
}

export function renderCapture(s: CaptureSession, p: Palette, top: number): string {
  const c = s.capture;
  const sum = s.summary;
  let out = `${p.bold('capture')} ${c.file === '-' ? '(standard input)' : c.file ?? '(stream)'}  ${c.format}${c.gzip ? ' (gzip)' : ''}, ${c.linkTypes.map((l) => LINK_NAMES[l] ?? `link ${l}`).join(' + ')}, `
    + `${c.packets} packets (${c.tcpPackets} TCP), ${fmtBytes(c.bytes)}, ${fmtMs(c.durationMs)} ms of traffic, read in ${fmtMs(c.elapsedMs)} ms\n`;

  const conns = [...s.connections.values()] as PcapConnectionRecord[];
  out += heading(`Connections (${sum.connections}: TLS ${sum.byApp.tls}, HTTP ${sum.byApp.http}, other ${sum.byApp.other + sum.byApp.none})`, p);
  if (conns.length) {
    const rows = conns.slice(0, top).map((r) => {
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
    });
    out += renderTable(['id', 'client', 'server', 'sni', 'tls', 'handshake', 'hs ms', 'rtt ms', 'req', 'bytes ↑/↓', 'first close', 'reason'], rows, { alignRight: [6, 7, 8] });
    if (conns.length > top) out += `  … ${conns.length - top} more (--top, or --json for all)\n`;
    if (c.droppedConnections) out += `  ${c.droppedConnections} later connection records were not kept (--max-records; the summary counts them)\n`;
  }

  const t = sum.tls;
  const closes = sum.closes;
  out += heading('Summary', p);
  out += keyValues(([
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
  ] as [string, string | number | undefined][]).filter(([, v]) => v !== undefined) as [string, string | number][], p);
  out += heading('Findings', p);
  out += renderFindings(s.findings, p);
  return out;
}

