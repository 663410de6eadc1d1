import type { MatrixResult } from '../../bench/matrix.js';
import type { BenchResult } from '../../bench/run.js';
import { BENCH_PHASES } from '../../bench/tally.js';
import { bestRows, MATRIX_COLUMNS } from '../bench-matrix.js';
import { connectionNotes, connectionRows, ERROR_HEAD, errorRows, LATENCY_HEAD, latencyCells, PHASE_HEAD, phaseNotes, phaseRows, settingsLine, throughputRows } from '../bench-report.js';
import { palette } from '../terminal/style.js';
import { histogramBars, percentilePlot, timeSeries } from './charts.js';
import { closeBars, fullResumedBars } from './distributions.js';
import { esc } from './escape.js';
import { findingCards } from './findings.js';
import { renderLanes } from './lanes.js';
import type { SampleLimits } from './sample.js';
import { htmlPage } from './page.js';
import { kv, note, section, table } from './parts.js';
import { slowestAndFailed } from './session.js';
import { connectionsTable, requestsTable } from './tables.js';

const PLAIN = palette(false);

/** The bench report as one self-contained HTML page, from the same BenchResult as the terminal report and --json. */
export function renderBenchHtml(r: BenchResult, o: { version?: string } = {}): string {
  const body = `<header><h1>connscope bench ${esc(r.settings.url)}</h1><p class="sub">${esc(settingsLine(r))}</p>${warnings(r)}</header>\n${benchSections(r, 'bench')}`;
  return htmlPage({ kind: 'bench', title: `connscope bench ${r.settings.url}`, body, version: o.version });
}

/** A --matrix run: the comparison table, then each combination's report folded under it. */
export function renderBenchMatrixHtml(m: MatrixResult, o: { version?: string } = {}): string {
  const best = bestRows(m);
  const rows = m.rows.map((row) => [row.label + (row.result.aborted ? ' (partial)' : ''), ...MATRIX_COLUMNS.map((c, ci) => {
    const text = c.format(c.value(row));
    return best[ci]!.has(m.rows.indexOf(row)) ? `★ ${text}` : text;
  })]);
  const parts = [
    `<header><h1>connscope bench --matrix ${esc(m.rows[0]?.result.settings.url ?? '')}</h1>${m.aborted ? '<p class="warnline">interrupted: partial matrix</p>' : ''}</header>`,
    section('Combinations', table(['combination', ...MATRIX_COLUMNS.map((c) => c.title)], rows, { numeric: MATRIX_COLUMNS.map((_, i) => i + 1) })
      + note('★ best in its column; reuse = share of requests on a reused connection; setup = mean connection establishment')),
    ...m.rows.map((row, i) => `<details class="scenario"${i === 0 ? ' open' : ''}><summary><strong>${esc(row.label)}</strong> <span class="note">${esc(settingsLine(row.result))}</span></summary>${warnings(row.result)}${benchSections(row.result, `m${i}`, { lanes: matrixLanes(m.rows.length), maxConnectionRows: 100 })}</details>`),
  ];
  return htmlPage({ kind: 'bench', title: 'connscope bench --matrix', body: parts.join('\n'), version: o.version });
}

function warnings(r: BenchResult): string {
  return (r.aborted ? '<p class="warnline">interrupted: partial report</p>' : '')
    + (r.failed ? '<p class="warnline">FAILED: no request completed (see the finding no-request-completed)</p>' : '') + (r.settings.insecure ? '<p class="warnline">certificate verification was OFF (--insecure)</p>' : '');
}

/** Lanes of each combination of a matrix: fewer, and 480 bars shared by all, so a page of many runs stays small. */
function matrixLanes(rows: number): SampleLimits {
  return { maxLanes: 8, maxBars: Math.max(10, Math.floor(480 / rows)) };
}

/** The sections of one run; `scope` keeps element ids unique when several runs share a page. */
export function benchSections(r: BenchResult, scope: string, o: { lanes?: SampleLimits; maxConnectionRows?: number } = {}): string {
  const s = r.stats;
  const parts: string[] = [];
  parts.push(section('Throughput', kv(throughputRows(r, PLAIN))
    + (r.errorTable.length ? '<h3>Errors</h3>' + table(ERROR_HEAD, errorRows(r), { numeric: [1] }) + r.errorTable.filter((e) => e.example).map((e) => note(`example (${e.code}): ${e.example}`)).join('') : '')
    + (r.warmup ? note(`after a warm-up of ${r.warmup.requests} requests in ${(r.warmup.durationMs / 1000).toFixed(1)} s`) : '')
    + `<h3>Over time</h3>` + timeSeries(s.perSecond, [
      { name: 'req/s', pick: (x) => x.requests, kind: 'bars', cls: '' },
      { name: 'open connections', pick: (x) => x.openConnections, kind: 'step', cls: 'open' },
      { name: 'errors', pick: (x) => x.errors, kind: 'bars', cls: 'err' },
    ]), `${scope}-throughput`));
  parts.push(section(r.settings.rate !== undefined ? 'Latency (ms, from the intended send time)' : 'Latency (ms)',
    table(LATENCY_HEAD, [latencyCells(r)], { numeric: [0, 1, 2, 3, 4, 5, 6] })
    + percentilePlot([{ name: 'latency', cls: 'total', points: s.latencyCurve }], 'HDR latency percentile plot')
    + '<h3>Histogram</h3>' + histogramBars(s.latencyBins, 'latency histogram (log-spaced bins)'), `${scope}-latency`));
  parts.push(section('Phases (ms)', table(PHASE_HEAD, phaseRows(r), { numeric: [1, 2, 3] })
    + phaseNotes(r).map(note).join('')
    + percentilePlot(BENCH_PHASES.map((n) => ({ name: n, cls: `ph-${n}`, points: s.phaseCurves[n] ?? [] })), 'phase percentile plot'), `${scope}-phases`));
  parts.push(section('Connections', kv(connectionRows(r)) + connectionNotes(r).map(note).join('')
    + (s.tracedRequests < s.requests && s.tracedRequests > 0 ? note(`connection accounting covers ${s.tracedRequests} of ${s.requests} requests`) : '')
    + '<h3>TLS: full vs resumed</h3>' + fullResumedBars(s.handshakes.full, s.handshakes.resumed)
    + '<h3>Closes by side and reason</h3>' + closeBars(s.closes), `${scope}-connections`));
  const session = r.session;
  const requests = session.requests;
  const recordsNote = requests.length < s.requests || session.connections.size < s.connectionsOpened
    ? `The records behind the lanes are a bounded sample: ${requests.length} of ${s.requests} requests (the first successes and the first errors) and ${session.connections.size} of ${s.connectionsOpened} connections; the numbers above count every request.`
    : undefined;
  parts.push(section('Connection lanes (sample)', renderLanes([...session.connections.values()], requests, { ...o.lanes, scope, recordsNote })
    + '<h3>Slowest and failed requests in the records</h3>'
    + requestsTable(slowestAndFailed(requests), { scope }), `${scope}-lanes`));
  const maxRows = o.maxConnectionRows;
  parts.push(`<details><summary>${maxRows !== undefined && session.connections.size > maxRows ? `The first ${maxRows} of ${session.connections.size}` : `All ${session.connections.size}`} connection records</summary>${connectionsTable([...session.connections.values()], { scope, total: session.connections.size, maxRows })}</details>`);
  parts.push(section('Findings', findingCards(r.findings, `${scope}-finding`), `${scope}-findings`));
  return parts.join('\n');
}
