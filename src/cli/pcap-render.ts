import type { CaptureSession } from '../capture/capture-session.js';
import type { PcapConnectionRecord } from '../capture/pcap-record.js';
import { CAPTURE_CONNECTION_HEAD, CAPTURE_CONNECTION_NUMERIC, captureConnectionRow, captureLine, captureSummaryRows } from '../report/capture.js';
import { heading, keyValues, renderFindings, renderTable, type Palette } from '../report/terminal/index.js';

export { palette } from '../report/terminal/index.js';

/**
 * The terminal report of `connscope pcap`, apart from the command so that `--json` runs never load the
 * terminal renderer and its table/colour packages (start-up counts on small captures).
 */
export function renderCapture(s: CaptureSession, p: Palette, top: number): string {
  const c = s.capture;
  const sum = s.summary;
  let out = `${p.bold('capture')} ${c.file === '-' ? '(standard input)' : c.file ?? '(stream)'}  ${captureLine(s)}\n`;

  const conns = [...s.connections.values()] as PcapConnectionRecord[];
  out += heading(`Connections (${sum.connections}: TLS ${sum.byApp.tls}, HTTP ${sum.byApp.http}, other ${sum.byApp.other + sum.byApp.none})`, p);
  if (conns.length) {
    const rows = conns.slice(0, top).map(captureConnectionRow);
    out += renderTable(CAPTURE_CONNECTION_HEAD, rows, { alignRight: CAPTURE_CONNECTION_NUMERIC });
    if (conns.length > top) out += `  … ${conns.length - top} more (--top, or --json for all)\n`;
    if (c.droppedConnections) out += `  ${c.droppedConnections} later connection records were not kept (--max-records; the summary counts them)\n`;
  }

  out += heading('Summary', p);
  out += keyValues(captureSummaryRows(s), p);
  out += heading('Findings', p);
  out += renderFindings(s.findings, p);
  return out;
}
