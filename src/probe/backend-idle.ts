import { ConnscopeError } from '../errors.js';
import { probe } from './probe.js';

export interface BackendIdleOptions {
  /** Hold the idle connection at most this long (ms). */
  maxMs: number;
  ca?: string;
  insecure?: boolean;
  /** Deadline of the request before the idle wait (ms). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** curl-style host:port:address overrides. */
  resolve?: string[];
  signal?: AbortSignal;
}

/** What the backend did with an idle keep-alive connection. */
export interface BackendIdle {
  /** Idle ms after which the backend closed the connection; null when it did not within `heldMs`. */
  idleTimeoutMs: number | null;
  /** How long the connection was held idle; with `idleTimeoutMs` null, the backend's timeout is at least this. */
  heldMs: number;
  /** The backend closed the connection after the response (Connection: close): it keeps nothing idle. */
  closesAfterResponse: boolean;
  /** The idle connection stopped answering without being closed after this many ms (a middlebox). */
  blackholeAfterMs: number | null;
  /** The backend's `Keep-Alive: timeout=N` hint (ms), if it sent one. */
  hintedIdleTimeoutMs: number | null;
}

/**
 * Measures a backend's real idle timeout: probe's `--idle-timeout` (one request, then the connection is
 * held idle until the backend closes it or `maxMs` passes). Throws the probe's explained network
 * error when the backend cannot be reached, and a UsageError for a bad URL.
 */
export async function measureBackendIdle(url: string, options: BackendIdleOptions): Promise<BackendIdle> {
  // the probe's idle wait is cut short by this signal once the probe returns, so no timer outlives it
  const done = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, done.signal]) : done.signal;
  const startedAt = performance.now();
  try {
    const r = await probe(url, {
      requests: 1,
      idleTimeoutMaxMs: options.maxMs,
      timeoutMs: options.timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      ca: options.ca,
      insecure: options.insecure,
      resolve: options.resolve,
      signal,
    });
    if (r.error) throw new ConnscopeError(r.error.code, r.error.message, { hint: r.error.hint ?? undefined });
    const k = r.keepAlive;
    const closes = k.serverKeptConnection === false || k.connectionHeader?.toLowerCase() === 'close';
    const measured = closes ? null : k.measuredIdleTimeoutMs;
    // held the whole limit and still answering: probe's idleTimeoutAtLeastMs; else how long it held before giving up
    const held = measured ?? k.idleTimeoutAtLeastMs ?? (closes ? 0 : Math.min(options.maxMs, Math.round(performance.now() - startedAt)));
    return {
      idleTimeoutMs: measured,
      heldMs: held,
      closesAfterResponse: closes,
      blackholeAfterMs: k.idleBlackholeAfterMs,
      hintedIdleTimeoutMs: k.hintedIdleTimeoutMs,
    };
  } finally {
    done.abort();
  }
}
