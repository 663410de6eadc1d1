import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./threadpool-child.ts', import.meta.url));

interface ChildResult {
  ok: number;
  accepted: number;
  dnsMs: (number | null)[];
  threadpool: ({ tasks: number; size: number } | null)[];
  findings: { id: string; evidence: Record<string, unknown> }[];
}

function run(poolSize: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', child], { timeout: 60_000, env: { ...process.env, UV_THREADPOOL_SIZE: String(poolSize) } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`child failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

test('64 lookups behind a held thread at UV_THREADPOOL_SIZE=1: dns-threadpool-saturated, not slow-dns', { timeout: 90_000 }, async () => {
  const r = await run(1);
  assert.equal(r.ok, 64);
  assert.equal(r.accepted, 64, 'one connection (one lookup) per request');
  assert.ok(r.threadpool.every((t) => t !== null && t.size === 1 && t.tasks >= 2), `every lookup saw the held thread: ${JSON.stringify(r.threadpool.slice(0, 5))}`);
  assert.ok(r.dnsMs.every((d) => d !== null && d >= 250), `every lookup waited for the thread: ${JSON.stringify(r.dnsMs.slice(0, 5))}`);
  const ids = r.findings.map((f) => f.id);
  assert.ok(ids.includes('dns-threadpool-saturated'), ids.join());
  assert.ok(!ids.includes('slow-dns'), ids.join());
  const f = r.findings.find((x) => x.id === 'dns-threadpool-saturated')!;
  assert.equal(f.evidence.threadpoolSize, 1);
  assert.equal(f.evidence.queuedSlowLookups, 64);
});

test('the same 64 lookups at UV_THREADPOOL_SIZE=64: fast, no dns finding', { timeout: 90_000 }, async () => {
  const r = await run(64);
  assert.equal(r.ok, 64);
  assert.equal(r.accepted, 64);
  assert.ok(r.threadpool.every((t) => t !== null && t.size === 64), JSON.stringify(r.threadpool.slice(0, 3)));
  const ids = r.findings.map((f) => f.id);
  assert.ok(!ids.includes('dns-threadpool-saturated'), `${ids.join()} dns ${JSON.stringify(r.dnsMs)}`);
  assert.ok(!ids.includes('slow-dns'), `${ids.join()} dns ${JSON.stringify(r.dnsMs)}`);
});
