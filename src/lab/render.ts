import pc from 'picocolors';
import Table from 'cli-table3';
import type { Finding } from '../model/finding.js';
import { renderFindings } from '../report/terminal/findings.js';
import type { MetricKey, RunMetrics } from './metrics.js';
import type { RunRecord, ScenarioResult } from './scenario.js';
import type { ScenarioInfo } from './runner.js';

type Colors = ReturnType<typeof pc.createColors>;

export const LABELS: Record<MetricKey, string> = {
  requests: 'requests',
  ok: 'ok',
  failures: 'failures',
  errors: 'errors',
  errorsOnReusedSockets: 'errors on reused sockets',
  serverErrors: '5xx',
  reuseRate: 'reuse',
  connections: 'connections',
  serverConnections: 'server connections',
  fullHandshakes: 'full TLS handshakes',
  resumedHandshakes: 'resumed TLS handshakes',
  p50: 'p50',
  p99: 'p99',
  tlsP50: 'TLS p50',
  chainBytes: 'chain bytes',
  waitP50: 'wait p50',
  waitP99: 'wait p99',
  blockedShare: 'blocked share',
};

export function formatMetric(key: MetricKey, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  switch (key) {
    case 'reuseRate':
    case 'blockedShare':
      return `${Math.round(v * 100)}%`;
    case 'p50':
    case 'p99':
    case 'tlsP50':
    case 'waitP50':
    case 'waitP99':
      return `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
    case 'chainBytes':
      return `${v} B`;
    default:
      return String(v);
  }
}

/** The numbers shown for every run, whatever the scenario. */
const SHOWN: MetricKey[] = ['requests', 'failures', 'connections', 'serverConnections', 'reuseRate', 'p50', 'p99'];

/** The metrics shown for a run: the common ones plus the scenario's own. */
export function shownMetrics(extra: MetricKey): MetricKey[] {
  return SHOWN.includes(extra) ? SHOWN : [...SHOWN, extra];
}

function metricsLine(m: RunMetrics, extra: MetricKey): string {
  return shownMetrics(extra).map((k) => `${LABELS[k]} ${formatMetric(k, m[k])}`).join('  ·  ');
}

function severityMark(f: Finding, c: Colors): string {
  if (f.severity === 'error') return c.red('✖ error');
  if (f.severity === 'warn') return c.yellow('▲ warn ');
  return c.cyan('ℹ info ');
}

/** Full findings (evidence and fixes) through the shared terminal renderer; ids only when `full` is false. */
function findingsBlock(findings: readonly Finding[], expected: string, c: Colors, full: boolean): string[] {
  if (findings.length === 0) return [`    ${c.dim('(no findings)')}`];
  if (full) return renderFindings(findings, c).trimEnd().split('\n').map((l) => `  ${l}`);
  return findings.map((f) => `    ${severityMark(f, c)} ${f.id === expected ? c.bold(f.id) : f.id}  ${f.title}`);
}

/** The metrics compared before → after: the scenario's own first. */
export function differenceKeys(result: ScenarioResult): MetricKey[] {
  const keys: MetricKey[] = ['reuseRate', 'connections', 'failures', 'p50', 'p99'];
  if (!keys.includes(result.metric.key)) keys.unshift(result.metric.key);
  return keys;
}

function differenceLine(before: RunMetrics, after: RunMetrics, result: ScenarioResult, c: Colors): string {
  return differenceKeys(result)
    .map((k) => {
      const text = `${LABELS[k]} ${formatMetric(k, before[k])} → ${formatMetric(k, after[k])}`;
      if (k !== result.metric.key) return text;
      return result.improved ? c.green(c.bold(text)) : c.red(c.bold(text));
    })
    .join('  ·  ');
}

function check(ok: boolean, c: Colors): string {
  return ok ? c.green('✓') : c.red('✗');
}

/** One scenario's report: what it reproduces, before, the engine's findings, after, the difference. */
export function renderScenario(r: ScenarioResult, color: boolean): string {
  const c = pc.createColors(color);
  const out: string[] = [];
  out.push(`${c.bold(c.cyan(`━━ ${r.name}`))}  ${c.bold(r.title)}`);
  out.push(`  ${r.reproduces}`);
  const run = (label: string, config: string, rec: RunRecord | undefined, full: boolean): void => {
    out.push('');
    out.push(`  ${c.bold(label)}  ${c.dim(config)}`);
    if (!rec) {
      out.push(`    ${c.dim('(not run)')}`);
      return;
    }
    out.push(`    ${metricsLine(rec.metrics, r.metric.key)}`);
    out.push(`  ${c.dim(label === 'before' ? 'findings (connscope diagnose on what was measured):' : 'findings after the fix:')}`);
    out.push(...findingsBlock(rec.findings, r.expected, c, full));
  };
  run('before', r.beforeConfig, r.before, true);
  run('after', r.afterConfig, r.after, false);
  out.push('');
  if (r.before && r.after) out.push(`  ${c.bold('difference')}  ${differenceLine(r.before.metrics, r.after.metrics, r, c)}`);
  if (r.error) out.push(`  ${c.red('error:')} ${r.error}`);
  const verdict =
    `${check(r.expectedAppeared, c)} ${r.expected} reported before  ` +
    `${check(r.expectedGone, c)} gone after  ` +
    `${check(r.improved, c)} ${LABELS[r.metric.key]} ${r.metric.better}`;
  out.push(`  ${verdict}   ${r.passed ? c.green(c.bold('PASS')) : c.red(c.bold('FAIL'))}  ${c.dim(`${(r.durationMs / 1000).toFixed(1)} s`)}`);
  return out.join('\n') + '\n\n';
}

/** The --all summary: one row per scenario. */
export function renderSummary(results: readonly ScenarioResult[], color: boolean): string {
  const c = pc.createColors(color);
  const table = new Table({
    head: ['scenario', 'expected finding', 'before', 'after', 'metric', 'result'].map((h) => c.bold(h)),
    style: { head: [], border: [] },
  });
  for (const r of results) {
    const k = r.metric.key;
    table.push([
      r.name,
      r.expected,
      r.before ? check(r.expectedAppeared, c) + ' found' : '–',
      r.after ? check(r.expectedGone, c) + ' gone' : '–',
      r.before && r.after ? `${check(r.improved, c)} ${LABELS[k]} ${formatMetric(k, r.before.metrics[k])} → ${formatMetric(k, r.after.metrics[k])}` : (r.error ?? '–'),
      r.passed ? c.green('PASS') : c.red('FAIL'),
    ]);
  }
  const passed = results.filter((r) => r.passed).length;
  const total = results.reduce((s, r) => s + r.durationMs, 0);
  return `${table.toString()}\n${passed}/${results.length} scenarios behaved as expected ${c.dim(`(${(total / 1000).toFixed(1)} s)`)}\n`;
}

/** `connscope lab` with no argument: the list. */
export function renderList(list: readonly ScenarioInfo[], color: boolean): string {
  const c = pc.createColors(color);
  const width = Math.max(...list.map((s) => s.name.length));
  const lines = list.map((s) => `  ${c.bold(s.name.padEnd(width))}  ${s.title}  ${c.dim(`→ ${s.expected}`)}`);
  return `Scenarios (run one with \`connscope lab <name>\`, all with \`connscope lab --all\`):\n${lines.join('\n')}\n`;
}
