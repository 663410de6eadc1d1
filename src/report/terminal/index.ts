export { palette, fmtMs, fmtBytes, fmtBool, heading, keyValues, severityLabel, type Palette } from './style.js';
export { renderTable, type TableOptions } from './table.js';
export { renderWaterfall, type WaterfallOptions } from './waterfall.js';
export { renderFindings } from './findings.js';
export { renderConnections } from './connections.js';
export { renderProbe, type ProbeRenderOptions } from './probe.js';
