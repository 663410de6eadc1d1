/**
 * `connscope/report`: the formatters (terminal, JSON, HAR, Prometheus). Kept off the package root so a
 * service that imports the tracer does not load them; prom-client itself loads only when serverMetrics() runs.
 */
export { probeToJson } from './json.js';
export { toHar, harTimings, type HarLog, type HarEntry, type HarTimings, type HarOptions, type HarSource } from './har.js';
export {
  renderProbe, renderWaterfall, renderFindings, renderConnections, renderTable, palette, fmtMs, fmtBytes,
  type Palette, type TableOptions, type WaterfallOptions, type ProbeRenderOptions,
} from './terminal/index.js';
export { serverMetrics, SERVER_METRICS, type ServerMetrics } from './prometheus.js';
