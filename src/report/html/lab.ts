import { differenceKeys, formatMetric, LABELS, shownMetrics } from '../../lab/render.js';
import type { RunRecord, ScenarioResult, Variant } from '../../lab/scenario.js';
import { domId, esc } from './escape.js';
import { findingCards } from './findings.js';
import { renderLanes, spanOf } from './lanes.js';
import { htmlPage } from './page.js';
import { note, section, table } from './parts.js';
import { connectionsTable } from './tables.js';

/** The lab report: a summary, then each scenario's before and after side by side, from the ScenarioResults of --json. */
export function renderLabHtml(results: readonly ScenarioResult[], o: { version?: string; interrupted?: boolean } = {}): string {
  const passed = results.filter((r) => r.passed).length;
  const parts: string[] = [];
  parts.push(`<header><h1>connscope lab</h1><p class="sub">${passed}/${results.length} scenarios behaved as expected · ${((results.reduce((s, r) => s + r.durationMs, 0)) / 1000).toFixed(1)} s</p>`
    + `${o.interrupted ? '<p class="warnline">interrupted: partial report</p>' : ''}</header>`);
  parts.push(section('Summary', table(['scenario', 'expected finding', 'before', 'after', 'metric', 'result'], results.map((r) => {
    const k = r.metric.key;
    return [
      r.name,
      r.expected,
      r.before ? `${r.expectedAppeared ? '✓' : '✗'} found` : '–',
      r.after ? `${r.expectedGone ? '✓' : '✗'} gone` : '–',
      r.before && r.after ? `${r.improved ? '✓' : '✗'} ${LABELS[k]} ${formatMetric(k, r.before.metrics[k])} → ${formatMetric(k, r.after.metrics[k])}` : (r.error ?? '–'),
      r.passed ? 'PASS' : 'FAIL',
    ];
  }), { rowAttrs: (i) => ` class="${results[i]!.passed ? '' : 'failed'}"` }), 'summary'));
  for (const r of results) parts.push(scenario(r));
  return htmlPage({ kind: 'lab', title: `connscope lab (${results.map((r) => r.name).join(', ')})`, body: parts.join('\n'), version: o.version });
}

function scenario(r: ScenarioResult): string {
  const verdict = [
    `${r.expectedAppeared ? '✓' : '✗'} ${r.expected} reported before`,
    `${r.expectedGone ? '✓' : '✗'} gone after`,
    `${r.improved ? '✓' : '✗'} ${LABELS[r.metric.key]} ${r.metric.better}`,
  ].join(' · ');
  const diff = r.before && r.after
    ? differenceKeys(r).map((k) => `${LABELS[k]} ${formatMetric(k, r.before!.metrics[k])} → ${formatMetric(k, r.after!.metrics[k])}`)
    : [];
  return `<article class="scenario" id="${esc(domId('scenario', r.name))}" data-scenario="${esc(r.name)}">
<h2>${esc(r.name)} <span class="note">${esc(r.title)}</span></h2>
<p>${esc(r.reproduces)}</p>
<div class="grid2">${variant(r, 'before', r.beforeConfig, r.before, span(r))}${variant(r, 'after', r.afterConfig, r.after, span(r))}</div>
<p class="note">The lanes of before and after share one time scale.</p>
${diff.length ? `<p><strong>difference</strong> ${esc(diff.join(' · '))}</p>` : ''}
${r.error ? `<p class="fail">error: ${esc(r.error)}</p>` : ''}
<p>${esc(verdict)} <span class="${r.passed ? 'pass' : 'fail'}">${r.passed ? 'PASS' : 'FAIL'}</span> <span class="note">${(r.durationMs / 1000).toFixed(1)} s</span></p>
</article>`;
}

/** The longer of the two runs' time spans: both lane charts use it, so their bars compare. */
function span(r: ScenarioResult): number {
  return Math.max(...[r.before, r.after].map((rec) => (rec ? spanOf(rec.connections, rec.requests) : 0)));
}

function variant(r: ScenarioResult, which: Variant, config: string, rec: RunRecord | undefined, spanMs: number): string {
  const scope = domId(r.name, which);
  const head = `<h3>${which}</h3><p class="note">${esc(config)}</p>`;
  if (!rec) return `<div class="variant" data-variant="${which}">${head}${note('(not run)')}</div>`;
  const metrics = table(['metric', which], shownMetrics(r.metric.key).map((k) => [LABELS[k], formatMetric(k, rec.metrics[k])]), { numeric: [1] });
  return `<div class="variant" data-variant="${which}">${head}${metrics}
${renderLanes(rec.connections, rec.requests, { scope, compact: true, maxLanes: 12, spanMs })}
<details><summary>${rec.connections.length} connection${rec.connections.length === 1 ? '' : 's'}</summary>${connectionsTable(rec.connections, { scope })}</details>
<h3>findings ${which === 'before' ? '(connscope diagnose on what was measured)' : 'after the fix'}</h3>
${findingCards(rec.findings, `${scope}-finding`)}</div>`;
}
