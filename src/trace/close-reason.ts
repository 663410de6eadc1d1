import type { Socket } from 'node:net';
import type { CloseInfo } from '../model/connection.js';
import type { ConnectionState } from './connection-state.js';

/** Within this much of the socket's idle timeout, a quiet client-side close is the pool's idle timer. */
const IDLE_TIMER_SLACK_MS = 25;

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code ? code : 'UNKNOWN';
}

/**
 * Works out who closed a connection and why, from what the socket shows at 'close' time: the error
 * it was destroyed with (socket.errored), whether the server's FIN arrived (readableEnded), whether
 * requests were in flight and what the last request/response said about `Connection: close`.
 */
export function closeInfoOf(state: ConnectionState, socket: Socket, at: number): CloseInfo {
  const err = (socket as { errored?: unknown }).errored ?? undefined;
  const serverFin = socket.readableEnded;
  const idle = state.inflight === 0;
  if (state.closeHint === 'goaway') return { closedBy: 'server', reason: 'goaway' };
  if (err) {
    const code = codeOf(err);
    const message = err instanceof Error ? err.message : '';
    if (code === 'UND_ERR_INFO') {
      // undici destroys its own sockets with informational errors that name the reason.
      if (message === 'socket idle timeout') return { closedBy: 'client', reason: 'client-idle-timeout' };
      if (message === 'reset') return connectionCloseInfo(state) ?? { closedBy: 'client', reason: 'client-closed' };
      return { closedBy: 'client', reason: 'client-closed' };
    }
    if (code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_CLOSED') return { closedBy: 'client', reason: 'pool-closed' };
    if (code === 'UND_ERR_SOCKET' && message === 'other side closed') {
      return { closedBy: 'server', reason: idle ? 'server-idle-timeout' : `error:${code}`, errorCode: code };
    }
    if (code === 'ECONNRESET' || code === 'EPIPE') return { closedBy: 'server', reason: `error:${code}`, errorCode: code };
    return { closedBy: serverFin ? 'server' : 'unknown', reason: `error:${code}`, errorCode: code };
  }
  const asked = connectionCloseInfo(state);
  if (asked) return asked;
  if (serverFin) return { closedBy: 'server', reason: idle ? 'server-idle-timeout' : 'server-closed' };
  if (idle) {
    const timeout = (socket as { timeout?: number }).timeout ?? 0;
    const idleMs = state.idleSince !== undefined ? at - state.idleSince : 0;
    if (timeout > 0 && idleMs >= timeout - IDLE_TIMER_SLACK_MS) return { closedBy: 'client', reason: 'client-idle-timeout' };
    return { closedBy: 'client', reason: 'pool-closed' };
  }
  return { closedBy: 'client', reason: 'client-closed' };
}

function connectionCloseInfo(state: ConnectionState): CloseInfo | undefined {
  if (state.clientAskedClose) return { closedBy: 'client', reason: 'client-connection-close' };
  if (state.serverAskedClose) return { closedBy: 'server', reason: 'server-connection-close' };
  return undefined;
}
