import type { MatrixResult } from '../bench/matrix.js';
import type { BenchResult } from '../bench/run.js';

/** The machine-readable form of one run (--json). */
export function benchJson(r: BenchResult): object {
  return {
    settings: r.settings,
    aborted: r.aborted,
    failed: r.failed,
    abandoned: r.abandoned,
    stuck: r.stuck,
    warmup: r.warmup ?? null,
    stats: r.stats,
    errorCodes: r.errorTable,
    facts: r.session.facts,
    findings: r.findings,
  };
}

/** The machine-readable form of a matrix (--matrix --json): one entry per combination. */
export function matrixJson(m: MatrixResult): object {
  return {
    axes: m.axes,
    aborted: m.aborted,
    rows: m.rows.map((row) => ({ combination: row.combination, label: row.label, ...benchJson(row.result) })),
  };
}
