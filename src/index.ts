/**
 * connscope public API, the package root: the model, the tracer, the rule engine and every source (probe,
 * bench, capture, sockets, server tracing). It patches no global and stays light to import:
 * probe(), bench(), benchMatrix() and analyzeCapture() load their implementation on first call.
 * The lab is `connscope/lab`; the formatters (terminal, JSON, HAR, Prometheus) are `connscope/report`;
 * attach() (what `connscope run` does: it loads the report renderers and prom-client) is `connscope/run`.
 */
export * from './model/index.js';
export * from './errors.js';
export { redactUrl, redactHeaders } from './redact.js';
export * from './diagnose/index.js';
export { instrument } from './trace/index.js';
export type { InstrumentOptions, Tracer, TracerEvents, TracerDiagnostic, PoolSnapshot, InflightRequest } from './trace/index.js';
export * from './bench/index.js';
export { probe, PROBE_DEFAULTS, parseTlsVersion, measureBackendIdle } from './probe/index.js';
export type { BackendIdle, BackendIdleOptions } from './probe/index.js';
export type { ProbeOptions, ProbeResult, ProbeTls, ProbeKeepAlive, ProbeHttp2, HandshakeOutcome, ProbeFailure, ResumptionResult, TlsVersionName, ProbeCertificate } from './probe/index.js';
export { analyzeCapture, CaptureSession, type AnalyzeOptions, type CaptureInput, type CaptureFileStats, type CaptureSummary, type PcapConnectionRecord, type PcapConnectionInfo, type PcapTlsInfo } from './capture/index.js';
export { instrumentServer, instrumentServers, checkServer, serverConfigFacts, NODE_SERVER_DEFAULTS } from './trace/server/index.js';
export type { ServerTracer, ServerTracerEvents, ServerConnectionCounts, InstrumentServerOptions, AnyHttpServer, ServerConfig, CheckServerOptions } from './trace/server/index.js';
export { watchLeaks, type WatchLeaksOptions, type LeakWatcher, type LeakFacts } from './trace/leaks.js';
export * from './sockets/index.js';
