// The engines' own errors are classes from src/errors.ts that keep the code the stack uses for the same
// event, so classifyError() and the bench error table treat them exactly as the plain coded errors they
// replaced: same code, layer, message and table row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionResetError, ConnectTimeoutError, ConnscopeError, TimeoutError, classifyError } from '../../src/errors.js';
import { describeBenchError, ERROR_MEANINGS } from '../../src/bench/error-codes.js';
import { RawEngine } from '../../src/bench/engines/raw.js';
import { HttpEngine } from '../../src/bench/engines/http.js';
import { resolveOptions, type BenchOptions } from '../../src/bench/options.js';
import type { Engine, EngineContext } from '../../src/bench/engine.js';
import * as hostile from '../helpers/hostile-servers.js';

/** One request through a fresh engine against a hostile server; the error its `done` received. */
async function failureOf(make: hostile.HostileFactory, engine: (ctx: EngineContext) => Engine, o: Partial<BenchOptions> = {}): Promise<unknown> {
  const h = await make();
  const e = engine({ options: resolveOptions({ requests: 1, ...o, url: h.url }), sink: { connection: () => {}, request: () => {}, close: () => {} } });
  try {
    return await new Promise((resolve) => e.send((status, err) => resolve(err ?? new Error(`unexpected status ${status}`))));
  } finally {
    await e.close();
    await h.close();
  }
}

/** The error as the engines built it before: a plain Error with the same code. */
function asPlain(err: ConnscopeError): Error {
  return Object.assign(new Error(err.message), { code: err.code });
}

function sameAsPlain(err: unknown, cls: new (...args: never[]) => ConnscopeError, code: string): void {
  assert.ok(err instanceof cls, `${String(err)} is a ${cls.name}`);
  assert.equal(err.code, code);
  const target = new URL('http://127.0.0.1/');
  assert.deepEqual(classifyError(err), classifyError(asPlain(err)), 'classifyError: same code, layer and message');
  assert.deepEqual(classifyError(err, true), classifyError(asPlain(err), true), 'classifyError on a reused socket');
  assert.deepEqual(describeBenchError(err, target), describeBenchError(asPlain(err), target), 'bench error table: same code and example');
  assert.ok(ERROR_MEANINGS[code], `${code} has a meaning in the table`);
}

test('raw engine: a server that closes under a request → ConnectionResetError (ECONNRESET, layer tcp), as a plain ECONNRESET', { timeout: 20_000 }, async () => {
  const err = await failureOf(hostile.closeOnRequest, (ctx) => new RawEngine(ctx), { client: 'raw' });
  sameAsPlain(err, ConnectionResetError, 'ECONNRESET');
  assert.equal(classifyError(err).layer, 'tcp');
});

test('raw engine: a TLS port that never answers the handshake → ConnectTimeoutError (UND_ERR_CONNECT_TIMEOUT), the code undici gives', { timeout: 20_000 }, async () => {
  const started = performance.now();
  const err = await failureOf(hostile.tlsSilent, (ctx) => new RawEngine(ctx), { client: 'raw', connectTimeoutMs: 300 });
  sameAsPlain(err, ConnectTimeoutError, 'UND_ERR_CONNECT_TIMEOUT');
  assert.ok(performance.now() - started >= 300, 'not before the connect deadline');
});

test('raw and http engines: a server that never answers → TimeoutError (CONNSCOPE_ERR_TIMEOUT) after --timeout', { timeout: 20_000 }, async () => {
  for (const [client, make] of [['raw', (ctx: EngineContext) => new RawEngine(ctx)], ['http', (ctx: EngineContext) => new HttpEngine(ctx)]] as const) {
    const started = performance.now();
    const err = await failureOf(hostile.silent, make, { client, timeoutMs: 300 });
    sameAsPlain(err, TimeoutError, 'CONNSCOPE_ERR_TIMEOUT');
    assert.ok(performance.now() - started >= 300, `${client}: not before the deadline`);
  }
});
