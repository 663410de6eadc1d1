import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probe } from '../../src/probe/index.js';
import { probeToJson } from '../../src/report/json.js';
import { httpsServer } from '../helpers/servers.js';
import { ROOT } from './helpers.js';

interface Schema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
}

const schema = JSON.parse(readFileSync(join(ROOT, 'docs/probe-schema.json'), 'utf8')) as Schema;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The subset of JSON Schema the probe schema uses: type, const, enum, required, properties, items. */
function validate(v: unknown, s: Schema, path: string, errors: string[]): void {
  const t = typeOf(v);
  if (s.type) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const ok = types.includes(t) || (t === 'integer' && types.includes('number'));
    if (!ok) return void errors.push(`${path}: ${t} is not ${types.join('|')}`);
  }
  if ('const' in s && v !== s.const) errors.push(`${path}: not ${String(s.const)}`);
  if (s.enum && !s.enum.includes(v)) errors.push(`${path}: ${String(v)} not in enum`);
  if (t === 'object' && v) {
    for (const k of s.required ?? []) if (!(k in (v as object))) errors.push(`${path}.${k}: missing`);
    for (const [k, sub] of Object.entries(s.properties ?? {})) {
      if (k in (v as object)) validate((v as Record<string, unknown>)[k], sub, `${path}.${k}`, errors);
    }
    if (s.properties && path.split('.').length <= 2) {
      for (const k of Object.keys(v as object)) if (!(k in s.properties)) errors.push(`${path}.${k}: not in the schema`);
    }
  }
  if (t === 'array' && s.items) (v as unknown[]).forEach((x, i) => validate(x, s.items!, `${path}[${i}]`, errors));
}

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
