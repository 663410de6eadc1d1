import { parseKeepAliveHeader } from '../model/connection.js';
import type { ConnectionState } from './connection-state.js';
import type { RequestState } from './request-state.js';

/** The response headers kept on a request: only the ones present, so the object stays small. */
function headersObject(connection: string | undefined, keepAlive: string | undefined): { connection?: string; keepAlive?: string } {
  return connection === undefined ? { keepAlive } : keepAlive === undefined ? { connection } : { connection, keepAlive };
}

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
  if (!conn) {
    st.responseHeaders = headersObject(connection, keepAlive);
    return;
  }
  conn.serverAskedClose = connection !== undefined && connection.length === 5 && connection.toLowerCase() === 'close';
  const hint = conn.record.keepAliveHint;
  if (hint && hint.connectionHeader === connection && hint.keepAliveHeader === keepAlive && conn.lastResponseHeaders) {
    // Same values as the previous response: share its (read-only) headers object.
    st.responseHeaders = conn.lastResponseHeaders;
    return;
  }
  st.responseHeaders = conn.lastResponseHeaders = headersObject(connection, keepAlive);
  const next: NonNullable<typeof hint> = parseKeepAliveHeader(keepAlive);
  if (connection !== undefined) next.connectionHeader = connection;
  if (keepAlive !== undefined) next.keepAliveHeader = keepAlive;
  conn.record.keepAliveHint = next;
}
