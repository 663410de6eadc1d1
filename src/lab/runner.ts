import { InterruptedError, UsageError } from '../errors.js';
import { makeCertChain, type CertChain, type CertChainOptions } from './certs.js';
import type { Measured } from './measure.js';
import type { RunMetrics } from './metrics.js';
import { describeScenario, type RunRecord, type Scenario, type ScenarioContext, type ScenarioInfo, type ScenarioMetric, type ScenarioResult, type Variant } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';

export type { ScenarioInfo } from './scenario.js';

/** The lab's scenarios, in the order `lab --all` runs them. */
export function listScenarios(): ScenarioInfo[] {
  return SCENARIOS.map(describeScenario);
}

export function getScenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new UsageError(`unknown lab scenario '${name}'`, `run 'connscope lab' to list them`);
  return s;
}

export interface RunScenarioOptions {
  signal?: AbortSignal;
  /** Deadline of one variant's workload (default 20 s). */
  deadlineMs?: number;
  /** Called as each variant starts and ends (progress display). */
  onVariant?: (variant: Variant, state: 'start' | 'end') => void;
  /** Certificate chains shared across scenarios of one run. */
  chains?: Map<string, Promise<CertChain>>;
}

/**
 * Runs one scenario: the before configuration, the engine's diagnosis of it, the after
 * configuration, and the comparison. Never throws for a scenario that fails at run time: the
 * failure is in `error` and `passed` is false.
 */
export async function runScenario(nameOrScenario: string | Scenario, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const scenario = typeof nameOrScenario === 'string' ? getScenario(nameOrScenario) : nameOrScenario;
  const chains = options.chains ?? new Map<string, Promise<CertChain>>();
  const ctx: ScenarioContext = {
    signal: options.signal,
    deadlineMs: options.deadlineMs ?? 20_000,
    shared: new Map(),
    chain: (o?: CertChainOptions) => {
      const key = JSON.stringify(o ?? {});
      let c = chains.get(key);
      if (!c) {
        c = makeCertChain(o);
        chains.set(key, c);
      }
      return c;
    },
  };
  const started = performance.now();
  const result: ScenarioResult = {
    ...describeScenario(scenario),
    metric: scenario.metric,
    expectedAppeared: false,
    expectedGone: false,
    improved: false,
    passed: false,
    durationMs: 0,
  };
  try {
    for (const variant of ['before', 'after'] as const) {
      if (options.signal?.aborted) throw new InterruptedError();
      options.onVariant?.(variant, 'start');
      const measured = await scenario.run(variant, ctx);
      options.onVariant?.(variant, 'end');
      result[variant] = record(measured);
    }
  } catch (err) {
    result.error = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  }
  result.durationMs = performance.now() - started;
  if (result.before) result.expectedAppeared = result.before.findings.some((f) => f.id === scenario.expected);
  if (result.after) result.expectedGone = !result.after.findings.some((f) => f.id === scenario.expected);
  if (result.before && result.after) result.improved = improved(scenario.metric, result.before.metrics, result.after.metrics);
  result.passed = !result.error && result.expectedAppeared && result.expectedGone && result.improved;
  return result;
}

function record(m: Measured): RunRecord {
  const json = m.session.toJSON();
  return { metrics: m.metrics, findings: m.findings, facts: json.facts, stats: json.stats, connections: json.connections, requests: [...json.requests] };
}

/** True when the after value beats the before value by the metric's margin. */
export function improved(metric: ScenarioMetric, before: RunMetrics, after: RunMetrics): boolean {
  const b = before[metric.key];
  const a = after[metric.key];
  if (b === null || a === null || !Number.isFinite(a) || !Number.isFinite(b)) return false;
  const margin = metric.minImprovement ?? 0;
  if (metric.better === 'lower') return a < b && a <= b * (1 - margin);
  return a > b && a >= b * (1 + margin);
}
