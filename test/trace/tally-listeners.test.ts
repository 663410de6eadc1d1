import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { instrumentServer } from '../../src/trace/server/index.js';
import type { RequestSummary } from '../../src/trace/types.js';
import { httpServer } from '../helpers/servers.js';
import { collect, until } from './collect.js';

const REQUESTS = 120;

// `tally` has a delivery path of its own (SafeEmitter.emitTally, and the server tracer's emitTally into
// it): every listener must still get every request of both ends, a throwing one must not cost the
// others theirs, and one taken off must get nothing more.
test('tally: every listener gets every request of both ends; a throwing listener becomes a diagnostic; off() stops it', { timeout: 30_000 }, async () => {
  let served = 0;
  const server = await httpServer((_req, res) => {
    served++;
    res.end('ok');
  });
  const t = collect({ sampleRate: 0.1, server: true });
  const a: RequestSummary[] = [];
  const b: RequestSummary[] = [];
  let thrown = 0;
  const onA = (s: RequestSummary): void => {
    a.push(s);
    if (a.length % 7 === 0) {
      thrown++;
      throw new Error('a consumer bug');
    }
  };
  t.tracer.on('tally', onA);
  t.tracer.on('tally', (s) => b.push(s));
  const pool = new Pool(server.origin, { connections: 4 });
  try {
    const run = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await (await pool.request({ path: '/t', method: 'GET' })).body.dump();
    };
    await run(REQUESTS);
    await until(() => b.length === 2 * served, 3000, 'a tally per request and side');
    assert.equal(served, REQUESTS, "the server's own count");
    assert.equal(b.filter((s) => s.source === 'server').length, served, 'every request the server answered, to the second listener');
    assert.equal(b.filter((s) => s.source !== 'server').length, REQUESTS, 'every client request, to the second listener');
    assert.equal(a.length, b.length, 'the throwing listener got every one too');
    assert.ok(thrown > 0);
    const listenerErrors = t.diagnostics.filter((d) => d.where === 'listener:tally');
    assert.equal(listenerErrors.length, thrown, 'each throw is one diagnostic');
    assert.equal(t.diagnostics.length, thrown, 'nothing else went wrong');

    t.tracer.off('tally', onA);
    const before = a.length;
    await run(10);
    await until(() => b.length === 2 * served, 3000, 'the remaining listener still gets both ends');
    assert.equal(a.length, before, 'a listener taken off gets nothing more');
    assert.equal(served, REQUESTS + 10);
  } finally {
    await pool.destroy().catch(() => {});
    t.stop();
    await server.close();
  }
});

// A server tracer on its own (instrumentServer, no client tracer to forward to): its tallies reach its
// own listeners through the same path.
test('tally: a standalone server tracer counts every request it answered, to its own listeners', { timeout: 30_000 }, async () => {
  let served = 0;
  const server = await httpServer((_req, res) => {
    served++;
    res.end('ok');
  });
  const tracer = instrumentServer(server.server, { sampleRate: 0.1 });
  const tallies: RequestSummary[] = [];
  tracer.on('tally', (s) => tallies.push(s));
  const pool = new Pool(server.origin, { connections: 2 });
  try {
    for (let i = 0; i < 60; i++) await (await pool.request({ path: '/s', method: 'GET' })).body.dump();
    await until(() => tallies.length === served, 3000, 'a tally per request answered');
    assert.equal(served, 60);
    assert.ok(tallies.every((s) => s.source === 'server' && s.status === 200 && s.durationMs >= 0));
    assert.ok(tallies.some((s) => !s.sampled), 'most requests were counted, not traced');
  } finally {
    await pool.destroy().catch(() => {});
    tracer.stop();
    await server.close();
  }
});
