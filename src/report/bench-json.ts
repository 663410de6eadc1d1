import type { MatrixResult } from '../bench/matrix.js';
import type { BenchResult } from '../bench/run.js';
import { schemaHeader } from './schema.js';

/** The machine-readable form of one run (--json). */
export function benchJson(r: BenchResult): object {
  return { ...schemaHeader('bench'), ...benchBody(r) };
}

function benchBody(r: BenchResult): object {
  return {
    settings: r.settings,
    aborted: r.aborted,
    failed: r.failed,
    abandoned: r.abandoned,
    stuck: r.stuck,
    warmup: r.warmup ?? null,
    stats: r.stats,
    errorCodes: r.errorTable,
    // facts.blockedShare: bench's copy of stats.blockedShare before the rules read the stats (model/accumulator.ts), kept for readers of schema 1
    facts: r.stats.blockedShare === null ? r.session.facts : { ...r.session.facts, blockedShare: r.stats.blockedShare },
    findings: r.findings,
  };
}

/** The machine-readable form of a matrix (--matrix --json): one entry per combination. */
export function matrixJson(m: MatrixResult): object {
  return {
    ...schemaHeader('bench-matrix'),
    axes: m.axes,
    aborted: m.aborted,
    rows: m.rows.map((row) => ({ combination: row.combination, label: row.label, ...benchBody(row.result) })),
  };
}
