import assert from 'node:assert/strict';
import { runScenario } from '../../src/lab/runner.js';
import type { RunRecord, ScenarioResult } from '../../src/lab/scenario.js';

export const SCENARIO_TIMEOUT_MS = 45_000;

/** Runs a scenario and checks the lab's contract: expected finding before, gone after, metric better. */
export async function runAndCheck(name: string): Promise<ScenarioResult & { before: RunRecord; after: RunRecord }> {
  const r = await runScenario(name, { deadlineMs: 20_000 });
  const ids = (rec?: RunRecord): string => (rec ? rec.findings.map((f) => f.id).join(',') || '(none)' : '(not run)');
  const why = `${name}: error=${r.error ?? '-'} before=[${ids(r.before)}] after=[${ids(r.after)}] ${r.metric.key} ${r.before?.metrics[r.metric.key]} → ${r.after?.metrics[r.metric.key]}`;
  assert.equal(r.error, undefined, why);
  assert.ok(r.before && r.after, why);
  assert.ok(r.expectedAppeared, `expected ${r.expected} before — ${why}`);
  assert.ok(r.expectedGone, `expected no ${r.expected} after — ${why}`);
  assert.ok(r.improved, `expected ${r.metric.key} ${r.metric.better} after — ${why}`);
  assert.ok(r.passed, why);
  return r as ScenarioResult & { before: RunRecord; after: RunRecord };
}
