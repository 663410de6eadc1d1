/**
 * `connscope/lab`: misbehaving servers, proxies, certificates and the scenarios that run the rest against
 * them. A subpath of its own because it is heavy and makeCertChain loads `reflect-metadata` (a global
 * polyfill @peculiar/x509 needs): the package root must not patch a global in the services that import it.
 */
export { listScenarios, runScenario, getScenario, improved, type ScenarioInfo, type RunScenarioOptions } from './runner.js';
export type { Scenario, ScenarioResult, RunRecord, ScenarioMetric, ScenarioContext, Variant } from './scenario.js';
export type { RunMetrics, MetricKey } from './metrics.js';
export { measure, type Measured, type MeasureOptions, type Workload, type WorkloadContext } from './measure.js';
export { renderScenario, renderSummary, renderList } from './render.js';
export { startHttpServer, startHttpsServer, startH2Server, okHandler, type LabServer, type HttpServerOptions, type H2ServerOptions } from './servers.js';
export { startLbProxy, type LbProxy, type LbProxyOptions } from './lb-proxy.js';
export { startPipelineServer, type PipelineServerOptions } from './pipeline-server.js';
export { measureIdleTimeout } from './idle-timeout.js';
export { makeCertChain, type CertChain, type CertChainOptions } from './certs.js';
export { startLatencyProxy, type LatencyProxy, type LatencyProxyOptions } from './latency-proxy.js';
