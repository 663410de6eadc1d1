import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../../src/errors.js';
import { sparkline } from '../../src/report/terminal/sparkline.js';
import { httpServer } from '../helpers/servers.js';
import { runCli } from '../probe/helpers.js';

test('sparkline: height in proportion to the largest value, an empty bin stays blank, a small one never vanishes', () => {
  assert.equal(sparkline([0, 1, 8, 4, 0]), ' ▁█▄ ');
  assert.equal(sparkline([1, 1000]), '▁█');
  assert.equal(sparkline([0, 0]), '  ');
});

test('bench prints a latency histogram line: two server delays make two humps with a gap, counts add up to the requests', { timeout: 60_000 }, async () => {
  let n = 0;
  // half the answers at once, half after 60 ms: a bimodal latency the histogram must show as such
  const srv = await httpServer((_q, res) => (n++ % 2 ? setTimeout(() => res.end('ok'), 60) : res.end('ok')));
  after(() => srv.close());
  const text = await runCli(['bench', `${srv.origin}/`, '-n', '60', '-c', '2'], { NO_COLOR: '1' });
  assert.equal(text.code, EXIT.ok, text.stderr);
  const line = text.stdout.split('\n').find((l) => l.trimStart().startsWith('histogram'));
  assert.ok(line, text.stdout);
  const m = /histogram (\S+) (.+) (\S+) ms \(log scale, (\d+) bins\)$/.exec(line);
  assert.ok(m, line);
  const bars = m[2]!;
  assert.equal([...bars].length, Number(m[4]));
  assert.match(bars, /[▁-█] +[▁-█]/u, `a gap between the fast and the slow answers: '${bars}'`);
  assert.ok(Number(m[3]) >= 60, 'the slowest bin reaches the 60 ms answers');

  const json = await runCli(['bench', `${srv.origin}/`, '-n', '60', '-c', '2', '--json']);
  const stats = JSON.parse(json.stdout).stats;
  assert.equal(stats.latencyBins.reduce((s: number, b: { count: number }) => s + b.count, 0), 60, 'every request in a bin');
  assert.equal(stats.perSecond.reduce((s: number, x: { requests: number }) => s + x.requests, 0), 60, 'every request in a second');
});
