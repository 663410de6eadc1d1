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
export { probe, PROBE_DEFAULTS, parseTlsVersion } from './probe/index.js';
export type { ProbeOptions, ProbeResult, ProbeTls, ProbeKeepAlive, ProbeHttp2, HandshakeOutcome, ProbeFailure, ResumptionResult, TlsVersionName } from './probe/index.js';
export { probeToJson } from './report/json.js';
export { renderProbe, renderWaterfall, renderFindings, renderConnections, renderTable, palette, fmtMs, fmtBytes } from './report/terminal/index.js';
export { analyzeCapture, CaptureSession, type AnalyzeOptions, type CaptureInput, type CaptureFileStats, type CaptureSummary, type PcapConnectionRecord, type PcapConnectionInfo, type PcapTlsInfo } from './capture/index.js';
export { listScenarios, runScenario, renderScenario, renderSummary, startLbProxy, startPipelineServer, measureIdleTimeout } from './lab/index.js';
export type { Scenario, ScenarioResult, ScenarioInfo, RunRecord, RunMetrics, RunScenarioOptions } from './lab/index.js';
