import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
const MB = 1024 * 1024;

test('100,000 traced requests: heap after GC stays within 20 MB of before', { timeout: 90_000 }, async () => {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '--import', 'tsx', child], { timeout: 85_000, env: { ...process.env, TRACE_REQUESTS: '100000' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { before: number; during: number; after: number; events: number; elapsedMs: number; inflightAtEnd: number };
  assert.ok(r.events >= 100_000, `events ${r.events}`);
  const grew = (r.during - r.before) / MB;
  assert.ok(grew < 20, `heap grew ${grew.toFixed(1)} MB while tracing 100k requests`);
  assert.ok((r.after - r.before) / MB < 20);
});
