import type { FindingId } from '../diagnose/catalog.js';
import type { ConnectionRecord } from '../model/connection.js';
import type { Facts } from '../model/facts.js';
import type { Finding } from '../model/finding.js';
import type { RequestTrace } from '../model/request.js';
import type { SessionStats } from '../model/stats.js';
import type { CertChain, CertChainOptions } from './certs.js';
import type { Measured } from './measure.js';
import type { MetricKey, RunMetrics } from './metrics.js';

export type Variant = 'before' | 'after';

/** The number a scenario's fix must move, and which way. */
export interface ScenarioMetric {
  key: MetricKey;
  better: 'lower' | 'higher';
  /**
   * Least relative improvement that counts as measured rather than noise (0.2 = 20 %). Counts
   * (errors, connections) use 0: any strict improvement; timings need a margin on a loaded machine.
   */
  minImprovement?: number;
}

export interface ScenarioContext {
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  /** Deadline of one variant's workload (ms). */
  deadlineMs: number;
  /** Certificate chains, made once per options and shared by the scenarios of one run. */
  chain(options?: CertChainOptions): Promise<CertChain>;
  /** Values the before-run learns for the after-run (a measured server timeout), per scenario run. */
  shared: Map<string, unknown>;
}

export interface Scenario {
  name: string;
  /** One line: the pathology. */
  title: string;
  /** What it reproduces and how, in two or three sentences. */
  reproduces: string;
  /** The finding the engine must report on the before-run and not on the after-run. */
  expected: FindingId;
  /** The configurations, in words (what the run sets up, not what it found). */
  beforeConfig: string;
  afterConfig: string;
  metric: ScenarioMetric;
  /** Starts this variant's servers, measures its client workload, tears everything down. */
  run(variant: Variant, ctx: ScenarioContext): Promise<Measured>;
}

/** One variant's measurement, as reported and serialised. */
export interface RunRecord {
  metrics: RunMetrics;
  findings: Finding[];
  facts: Facts;
  stats: SessionStats;
  connections: ConnectionRecord[];
  requests: RequestTrace[];
}

/** What a scenario is, without how it runs: what `connscope lab` lists. */
export type ScenarioInfo = Omit<Scenario, 'run' | 'metric'>;

/** A scenario's outcome: the scenario as described (with its metric), then what its two runs showed. */
export interface ScenarioResult extends Omit<Scenario, 'run'> {
  before?: RunRecord;
  after?: RunRecord;
  /** The expected finding was reported on the before-run. */
  expectedAppeared: boolean;
  /** The expected finding was absent from the after-run. */
  expectedGone: boolean;
  /** The scenario's metric moved the right way by at least its margin. */
  improved: boolean;
  passed: boolean;
  /** Why the scenario could not run to the end (one line). */
  error?: string;
  durationMs: number;
}

/** The description of a scenario (its fields but run()), in the order lab's JSON prints them. */
export function describeScenario(s: Scenario): ScenarioInfo {
  return { name: s.name, title: s.title, reproduces: s.reproduces, expected: s.expected, beforeConfig: s.beforeConfig, afterConfig: s.afterConfig };
}
