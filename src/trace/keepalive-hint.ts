import { parseKeepAliveHeader } from '../model/connection.js';
import type { ConnectionState } from './connection-state.js';
import type { RequestState } from './request-state.js';

/**
 * Records a response's `Connection` / `Keep-Alive` headers on the request and its connection.
 * The connection's parsed hint is rebuilt only when the header text changes: servers repeat the
 * same values on every response, and this runs once per response.
 */
export function noteKeepAlive(st: RequestState, conn: ConnectionState | undefined, connection: string | undefined, keepAlive: string | undefined): void {
  if (connection === undefined && keepAlive === undefined) {
    if (conn) conn.serverAskedClose = false;
    return;
  }
  st.responseHeaders = connection === undefined ? { keepAlive } : keepAlive === undefined ? { connection } : { connection, keepAlive };
  if (!conn) return;
  conn.serverAskedClose = connection !== undefined && connection.length === 5 && connection.toLowerCase() === 'close';
  const hint = conn.record.keepAliveHint;
  if (hint && hint.connectionHeader === connection && hint.keepAliveHeader === keepAlive) return;
  const next: NonNullable<typeof hint> = parseKeepAliveHeader(keepAlive);
  if (connection !== undefined) next.connectionHeader = connection;
  if (keepAlive !== undefined) next.keepAliveHeader = keepAlive;
  conn.record.keepAliveHint = next;
}
