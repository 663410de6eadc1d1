import type { Http1Client, RequestSpec } from './http1-client.js';
import { sleep } from './deadline.js';

export interface IdleTimeoutMeasurement {
  /** Idle ms after which the server closed the connection; null when it did not within the limit. */
  measuredMs: number | null;
  /** The connection was still "open" at the limit but no longer answered: silently dropped. */
  blackholeAfterMs: number | null;
  /**
   * The connection was held idle for the whole limit and still answered a request afterwards: the server's
   * idle timeout is at least this many ms. Null otherwise.
   */
  heldOpenMs: number | null;
  /** How long the connection was held idle. */
  heldMs: number;
  /** The server closed right after the response (Connection: close), so there was no idle period. */
  closedAfterResponse: boolean;
}

/** Deadline of the request that tells a live idle connection from a silently dropped one. */
const LIVENESS_TIMEOUT_MS = 3000;

/**
 * Makes one request, then holds the connection idle until the server closes it or `maxMs` passes.
 * At the limit it sends a request on the same connection: an answer on it means the server keeps idle
 * connections at least that long; no answer means a middlebox dropped it silently.
 */
export async function measureIdleTimeout(client: Http1Client, spec: RequestSpec, maxMs: number, signal?: AbortSignal): Promise<IdleTimeoutMeasurement> {
  const first = await client.request(spec);
  const none = { measuredMs: null, blackholeAfterMs: null, heldOpenMs: null, heldMs: 0, closedAfterResponse: false };
  if (first.error || !first.trace.connectionId) return none;
  const id = first.trace.connectionId;
  const idleFrom = first.trace.startedAt + first.trace.phases.total;
  if (first.trace.responseHeaders?.connection?.toLowerCase() === 'close') return { ...none, closedAfterResponse: true };
  // the limit's timer is cleared as soon as the close wins: a pending timer would keep the process alive up to maxMs
  const stopWaiting = new AbortController();
  const onAbort = (): void => stopWaiting.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const closed = client.whenClosed(id).then((at) => ({ closedAt: at }));
  const limit = sleep(maxMs, stopWaiting.signal).then(() => null);
  let outcome: { closedAt: number } | null;
  try {
    outcome = await Promise.race([closed, limit]);
  } finally {
    stopWaiting.abort();
    signal?.removeEventListener('abort', onAbort);
  }
  if (outcome) {
    const ms = Math.max(0, outcome.closedAt - idleFrom);
    return { ...none, measuredMs: ms, heldMs: ms, closedAfterResponse: ms < 5 };
  }
  const heldMs = performance.now() - idleFrom;
  if (signal?.aborted) return { ...none, heldMs };
  const check = await client.request({ ...spec, timeoutMs: LIVENESS_TIMEOUT_MS });
  const reused = check.trace.reused && check.trace.connectionId === id;
  const silent = check.error?.code === 'CONNSCOPE_ERR_TIMEOUT' && reused;
  return {
    ...none,
    blackholeAfterMs: silent ? Math.round(heldMs) : null,
    heldOpenMs: !check.error && reused ? Math.round(heldMs) : null,
    heldMs,
  };
}
