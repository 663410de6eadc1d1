import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBenchProgress } from '../../src/report/bench-progress.js';
import { bestRows, renderMatrix } from '../../src/report/bench-matrix.js';
import type { MatrixResult } from '../../src/bench/matrix.js';
import type { BenchResult } from '../../src/bench/run.js';

test('the progress bar shows live req/s on a terminal stream', () => {
  let written = '';
  const tty = {
    isTTY: true,
    columns: 120,
    write: (s: string) => ((written += s), true),
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => tty,
    removeListener: () => tty,
  };
  const view = createBenchProgress(tty as unknown as NodeJS.WriteStream);
  view.update({ phase: 'run', elapsedMs: 500, durationMs: 1000, requests: 1234, errors: 0, currentRate: 2468 });
  view.stop();
  assert.match(written, /2468 req\/s/);
  assert.match(written, /1234 req/);
});

function row(label: string, reqPerSec: number, reuseRate: number, errors: number): MatrixResult['rows'][number] {
  const result = {
    settings: { url: 'http://127.0.0.1:1/' },
    aborted: false,
    findings: [],
    stats: { reqPerSec, reuseRate, errors, connectionsOpened: 3, latency: { p50: 1, p99: 2 }, connectionSetup: { mean: 1, p99: 1, count: 3 } },
  } as unknown as BenchResult;
  return { combination: {}, label, result };
}

test('matrix best cells: highest req/s and reuse, fewest errors; columns where all rows tie mark nothing', () => {
  const m: MatrixResult = { axes: [], aborted: false, rows: [row('a', 100, 0.5, 3), row('b', 300, 0.9, 0), row('c', 200, 0.9, 1)] };
  const best = bestRows(m);
  assert.deepEqual([...best[0]!], [1]); // req/s
  assert.deepEqual([...best[3]!].sort(), [1, 2]); // reuse: a tie between b and c
  assert.deepEqual([...best[6]!], [1]); // errors
  assert.equal(best[4]!.size, 0); // connections all equal
  const text = renderMatrix(m, { color: false });
  assert.equal(text.split('\n').filter((l) => /^\s+[abc]\s/.test(l)).length, 3);
  assert.match(text, /\*300/);
});
