import type { CaptureSession } from '../../capture/capture-session.js';
import type { PcapConnectionRecord } from '../../capture/pcap-record.js';
import { CAPTURE_CONNECTION_HEAD, CAPTURE_CONNECTION_NUMERIC, captureConnectionRow, captureLine, captureSummaryRows } from '../capture.js';
import { hbars, percentilePlot } from './charts.js';
import { closeBars, fullResumedBars } from './distributions.js';
import { domId, esc } from './escape.js';
import { htmlPage } from './page.js';
import { kv, note, section, table } from './parts.js';
import { distributionPoints, sessionSections } from './session.js';
import { MAX_TABLE_ROWS } from './tables.js';

/** The pcap report: the capture summary, its TLS and close charts, then the shared session sections. */
export function renderPcapHtml(s: CaptureSession, o: { version?: string } = {}): string {
  const sum = s.summary;
  const t = sum.tls;
  const c = sum.closes;
  const conns = [...s.connections.values()] as PcapConnectionRecord[];
  const kept = conns.length < sum.connections || s.droppedRequests > 0
    ? `The records behind the lanes are the first ${conns.length} of ${sum.connections} connections (--max-records); the summary counts every one.`
    : undefined;
  const shown = conns.slice(0, MAX_TABLE_ROWS);
  const parts = [
    `<header><h1>connscope pcap ${esc(s.capture.file ?? '(stream)')}</h1><p class="sub">${esc(captureLine(s))}</p></header>`,
    section('Summary', kv(captureSummaryRows(s)), 'summary'),
    sessionSections(s, { scope: 'pcap', recordsNote: kept, noDistributions: true }),
    section('TLS and closes', '<h3>TLS: full vs resumed</h3>' + fullResumedBars(t.fullHandshakes, t.resumed)
      + (t.fullHandshakeMs || t.resumedHandshakeMs
        ? '<h3>Handshake time, full vs resumed</h3>' + percentilePlot([
          { name: 'full', cls: 'ph-connect', points: distributionPoints(t.fullHandshakeMs) },
          { name: 'resumed', cls: 'ph-wait', points: distributionPoints(t.resumedHandshakeMs) },
        ], 'handshake time distributions')
        : '')
      + '<h3>Closed first by</h3>' + hbars([
        { label: 'client FIN', value: c.client.fin, cls: 'side-client' },
        { label: 'client RST', value: c.client.rst, cls: 'side-client' },
        { label: 'server FIN', value: c.server.fin, cls: 'side-server' },
        { label: 'server RST', value: c.server.rst, cls: 'side-server' },
        { label: 'still open', value: c.open, cls: 'side-unknown' },
      ], 'closes by side')
      + '<h3>Close reasons</h3>' + closeBars(c.reasons), 'tls-closes'),
    section(`Connections (${sum.connections}: TLS ${sum.byApp.tls}, HTTP ${sum.byApp.http}, other ${sum.byApp.other + sum.byApp.none})`,
      table(CAPTURE_CONNECTION_HEAD, shown.map(captureConnectionRow), {
        numeric: CAPTURE_CONNECTION_NUMERIC,
        rowAttrs: (i) => ` id="${esc(domId('pcap', 'conn', shown[i]!.id))}" data-conn="${esc(shown[i]!.id)}"`,
      }) + (conns.length > shown.length ? note(`${conns.length - shown.length} more connection records not listed (--json has all)`) : ''), 'connections'),
  ];
  return htmlPage({ kind: 'pcap', title: `connscope pcap ${s.capture.file ?? ''}`, body: parts.join('\n'), version: o.version });
}
