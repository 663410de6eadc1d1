export { probe, type ProbeState } from './probe.js';
export { measureBackendIdle, type BackendIdle, type BackendIdleOptions } from './backend-idle.js';
export { parseTlsVersion, DEFAULTS as PROBE_DEFAULTS } from './options.js';
export type {
  ProbeOptions, ProbeResult, ProbeTls, ProbeKeepAlive, ProbeHttp2, HandshakeOutcome, ProbeFailure, ResumptionResult, TlsVersionName,
  ProbeCertificate,
} from './types.js';
