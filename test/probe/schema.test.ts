import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { probe } from '../../src/probe/index.js';
import { probeToJson } from '../../src/report/json.js';
import { httpsServer } from '../helpers/servers.js';
import { ROOT } from './helpers.js';
import { loadSchema, validate } from '../helpers/json-schema.js';

const schema = loadSchema(ROOT, 'docs/probe-schema.json');

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

test('--json output matches docs/probe-schema.json (all checks on, and a failed probe)', { timeout: 20_000 }, async () => {
  const s = await httpsServer((_q, res) => res.end('x'));
  s.server.keepAliveTimeout = 200;
  cleanups.push(s.close);
  const full = probeToJson(await probe(`https://localhost:${s.port}/`, { ca: s.chain.caPem, matrix: true, idleTimeoutMaxMs: 3000, maxRequests: 5 }));
  const errors: string[] = [];
  validate(full, schema, '$', errors);
  assert.deepEqual(errors, []);
  assert.ok((full.matrix as unknown[]).length === 4);
  const failed = probeToJson(await probe(`https://localhost:${s.port}/`, { requests: 1 }));
  validate(failed, schema, '$', errors);
  assert.deepEqual(errors, []);
  assert.equal((failed.error as { code: string }).code, 'CONNSCOPE_ERR_TLS');
  assert.equal(failed.tls !== undefined, true);
});
