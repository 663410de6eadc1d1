import type { ConnectionRecord } from '../../model/connection.js';
import { fmtMs } from './style.js';
import { renderTable } from './table.js';

/** One row per connection: reuse, requests served, establishment, TLS and how it ended. */
export function renderConnections(connections: readonly ConnectionRecord[]): string {
  if (connections.length === 0) return '  (no connections)\n';
  const rows = connections.map((c) => [
    c.id,
    c.protocol,
    c.requests > 1 ? 'yes' : 'no',
    c.requests,
    `${c.remoteAddress ?? '-'}${c.remotePort ? `:${c.remotePort}` : ''}`,
    fmtMs(c.establishment.total),
    c.tls?.version ?? '-',
    c.tls ? (typeof c.tls.alpn === 'string' ? c.tls.alpn : 'none') : '-',
    c.tls ? (c.tls.resumed ? 'yes' : 'no') : '-',
    c.close ? `${c.close.closedBy}: ${c.close.reason}` : 'open',
  ]);
  return renderTable(['id', 'proto', 'reused', 'requests', 'remote', 'setup ms', 'tls', 'alpn', 'resumed', 'closed'], rows, { alignRight: [3, 5] });
}
