export { listScenarios, runScenario, getScenario, improved, type ScenarioInfo, type RunScenarioOptions } from './runner.js';
export type { Scenario, ScenarioResult, RunRecord, ScenarioMetric, ScenarioContext, Variant } from './scenario.js';
export type { RunMetrics, MetricKey } from './metrics.js';
export { measure, type Measured, type MeasureOptions, type Workload, type WorkloadContext } from './measure.js';
export { renderScenario, renderSummary, renderList } from './render.js';
export { startHttpServer, startHttpsServer, startH2Server, okHandler, type LabServer, type HttpServerOptions, type H2ServerOptions } from './servers.js';
export { startLbProxy, type LbProxy, type LbProxyOptions } from './lb-proxy.js';
export { startPipelineServer, type PipelineServerOptions } from './pipeline-server.js';
export { measureIdleTimeout } from './idle-timeout.js';
