import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./undici-late-child.ts', import.meta.url));

test('undici loaded after instrument(): the tracer did not load it, and a Pool queue still shows as blocked', { timeout: 60_000 }, async () => {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', child], { timeout: 50_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
  );
  const r = JSON.parse(out) as { loadedByTracer: boolean; requests: number; blocked: Record<string, number | null> };
  assert.equal(r.loadedByTracer, false, 'importing the tracer loaded undici');
  assert.equal(r.requests, 3);
  // one connection, the server answers after 100 ms: /b waits for /a, /c for both
  assert.ok((r.blocked['/b'] ?? 0) >= 90, `/b blocked ${r.blocked['/b']}`);
  assert.ok((r.blocked['/c'] ?? 0) >= 180, `/c blocked ${r.blocked['/c']}`);
  const a = r.blocked['/a'];
  assert.ok(a === null || (a !== undefined && a < 50), `/a blocked ${a}`);
});
