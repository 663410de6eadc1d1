import type { BackendIdle, BackendIdleOptions } from './backend-idle.js';
import type { ProbeOptions, ProbeResult } from './types.js';

export type { ProbeState } from './state.js';
export type { BackendIdle, BackendIdleOptions };
export { parseTlsVersion, DEFAULTS as PROBE_DEFAULTS } from './options.js';
export type {
  ProbeOptions, ProbeResult, ProbeTls, ProbeKeepAlive, ProbeHttp2, HandshakeOutcome, ProbeFailure, ResumptionResult, TlsVersionName,
  ProbeCertificate,
} from './types.js';

/**
 * Probes one URL: a keep-alive request series, a new connection offering the cached TLS session, an ALPN
 * check, and on request the idle timeout, the requests-per-connection limit and the TLS × ALPN matrix.
 * Bad options throw a UsageError; network failures come back in `result.error` with whatever explains them.
 * The implementation (clients, handshakes, undici) loads on the first call: importing connscope stays light.
 */
export async function probe(url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  return (await import('./probe.js')).probe(url, options);
}

/**
 * Measures a backend's real idle timeout: probe's `--idle-timeout` (one request, then the connection is
 * held idle until the backend closes it or `maxMs` passes). Throws the probe's explained network
 * error when the backend cannot be reached, and a UsageError for a bad URL. Loads the prober on first call.
 */
export async function measureBackendIdle(url: string, options: BackendIdleOptions): Promise<BackendIdle> {
  return (await import('./backend-idle.js')).measureBackendIdle(url, options);
}
