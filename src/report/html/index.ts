/** The HTML report: one self-contained page per run, drawn from the same result objects as the terminal and --json. */
export { renderProbeHtml } from './probe.js';
export { renderBenchHtml, renderBenchMatrixHtml } from './bench.js';
export { renderLabHtml } from './lab.js';
export { renderPcapHtml } from './pcap.js';
export { renderSessionHtml, sessionSections } from './session.js';
export { htmlPage } from './page.js';
export { renderRunHtml } from './run.js';
