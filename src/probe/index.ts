import type { ProbeOptions, ProbeResult } from './types.js';

export type { ProbeState } from './state.js';
export { parseTlsVersion, DEFAULTS as PROBE_DEFAULTS } from './options.js';
export type {
  ProbeOptions, ProbeResult, ProbeTls, ProbeKeepAlive, ProbeHttp2, HandshakeOutcome, ProbeFailure, ResumptionResult, TlsVersionName,
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
