import type { ConnectionRecord } from '../../model/connection.js';
import { fmtMs } from './style.js';
import { renderTable } from './table.js';

/** Columns of the connections table (terminal and HTML reports). */
export const CONNECTION_HEAD = ['id', 'proto', 'reused', 'requests', 'remote', 'setup ms', 'tls', 'alpn', 'resumed', 'closed'];
/** Columns holding numbers (right-aligned). */
export const CONNECTION_NUMERIC = [3, 5];

/** One connection as the cells of CONNECTION_HEAD: reuse, requests served, establishment, TLS and how it ended. */
export function connectionRow(c: ConnectionRecord): (string | number)[] {
  return [
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
  ];
}

/** One row per connection. */
export function renderConnections(connections: readonly ConnectionRecord[]): string {
  if (connections.length === 0) return '  (no connections)\n';
  return renderTable(CONNECTION_HEAD, connections.map(connectionRow), { alignRight: CONNECTION_NUMERIC });
}
