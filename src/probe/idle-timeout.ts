import type { Http1Client, RequestSpec } from './http1-client.js';
import { sleep } from './deadline.js';

export interface IdleTimeoutMeasurement {
  /** Idle ms after which the server closed the connection; null when it did not within the limit. */
  measuredMs: number | null;
  /** The connection was still "open" at the limit but no longer answered: silently dropped. */
  blackholeAfterMs: number | null;
  /** How long the connection was held idle. */
  heldMs: number;
  /** The server closed right after the response (Connection: close), so there was no idle period. */
  closedAfterResponse: boolean;
}

/** Deadline of the request that tells a live idle connection from a silently dropped one. */
const LIVENESS_TIMEOUT_MS = 3000;

/**
 * Makes one request, then holds the connection idle until the server closes it or `maxMs` passes.
 * At the limit it sends a request on the same connection: no answer means a middlebox dropped it silently.
 */
export async function measureIdleTimeout(client: Http1Client, spec: RequestSpec, maxMs: number, signal?: AbortSignal): Promise<IdleTimeoutMeasurement> {
  const first = await client.request(spec);
  const none = { measuredMs: null, blackholeAfterMs: null, heldMs: 0, closedAfterResponse: false };
  if (first.error || !first.trace.connectionId) return none;
  const id = first.trace.connectionId;
  const idleFrom = first.trace.startedAt + first.trace.phases.total;
  if (first.trace.responseHeaders?.connection?.toLowerCase() === 'close') return { ...none, closedAfterResponse: true };
  const closed = client.whenClosed(id).then((at) => ({ closedAt: at }));
  const limit = sleep(maxMs, signal).then(() => null);
  const outcome = await Promise.race([closed, limit]);
  if (outcome) {
    const ms = Math.max(0, outcome.closedAt - idleFrom);
    return { measuredMs: ms, blackholeAfterMs: null, heldMs: ms, closedAfterResponse: ms < 5 };
  }
  const heldMs = performance.now() - idleFrom;
  if (signal?.aborted) return { ...none, heldMs };
  const check = await client.request({ ...spec, timeoutMs: LIVENESS_TIMEOUT_MS });
  const silent = check.error?.code === 'CONNSCOPE_ERR_TIMEOUT' && check.trace.reused;
  return { measuredMs: null, blackholeAfterMs: silent ? Math.round(heldMs) : null, heldMs, closedAfterResponse: false };
}
