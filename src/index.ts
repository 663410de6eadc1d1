/** connscope public API. */
export * from './model/index.js';
export * from './errors.js';
export { redactUrl, redactHeaders } from './redact.js';
export * from './diagnose/index.js';
export { makeCertChain, type CertChain, type CertChainOptions } from './lab/certs.js';
export { startLatencyProxy, type LatencyProxy, type LatencyProxyOptions } from './lab/latency-proxy.js';
export { instrument } from './trace/index.js';
export type { InstrumentOptions, Tracer, TracerEvents, TracerDiagnostic, PoolSnapshot, InflightRequest } from './trace/index.js';
export * from './bench/index.js';
