import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const register = fileURLToPath(new URL('../../src/run/register.ts', import.meta.url));
const app = fileURLToPath(new URL('../fixtures/blocking-app.mjs', import.meta.url));
const blocker = fileURLToPath(new URL('../fixtures/loop-blocker.mjs', import.meta.url));
const line = readFileSync(blocker, 'utf8').split('\n').findIndex((l) => l.includes('function holdTheLoopForAWhile')) + 1;

function runApp(profile: 'on' | 'off'): Promise<{ findings: { id: string; evidence: Record<string, unknown> }[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'connscope-run-profile-'));
  const json = join(dir, 'report.json');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--import', register, app], {
      timeout: 30_000,
      env: { ...process.env, CONNSCOPE_PROFILE: profile, CONNSCOPE_JSON: json, CONNSCOPE_REPORT: 'off' },
    }, (err, _stdout, stderr) => {
      try {
        if (err) throw new Error(`app failed: ${err.message}\n${stderr}`);
        resolve(JSON.parse(readFileSync(json, 'utf8')));
      } catch (e) {
        reject(e as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

test('register with CONNSCOPE_PROFILE=on: event-loop-blocked names the app function that held the loop', { timeout: 60_000 }, async () => {
  const r = await runApp('on');
  const f = r.findings.find((x) => x.id === 'event-loop-blocked');
  assert.ok(f, JSON.stringify(r.findings.map((x) => x.id)));
  assert.match(String(f.evidence.blockedBy), new RegExp(`^holdTheLoopForAWhile \\S*loop-blocker\\.mjs:${line} `));
});

test('register with profiling off (the default): the finding stays, without blockedBy', { timeout: 60_000 }, async () => {
  const r = await runApp('off');
  const f = r.findings.find((x) => x.id === 'event-loop-blocked');
  assert.ok(f, JSON.stringify(r.findings.map((x) => x.id)));
  assert.equal(f.evidence.blockedBy, undefined);
});
