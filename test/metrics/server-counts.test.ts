import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { instrument } from '../../src/trace/instrument.js';

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('tracer.serverCounts(): a request in progress, then an idle kept-alive connection; zeros without server', { timeout: 15_000 }, async () => {
  const off = instrument({ server: false, eventLoop: false });
  assert.deepEqual(off.serverCounts(), { active: 0, idle: 0, requests: 0 });
  off.stop();

  const tracer = instrument({ server: true, eventLoop: false });
  let release: (() => void) | undefined;
  const server = http.createServer((_req, res) => {
    release = () => res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const agent = new http.Agent({ keepAlive: true });
  try {
    const done = new Promise<void>((resolve, reject) =>
      http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
    );
    await until(() => release !== undefined, 5_000, 'the request to arrive');
    assert.deepEqual(tracer.serverCounts(), { active: 1, idle: 0, requests: 1 });
    release!();
    await done;
    await until(() => tracer.serverCounts().idle === 1, 5_000, 'the connection to go idle');
    assert.deepEqual(tracer.serverCounts(), { active: 0, idle: 1, requests: 0 });
  } finally {
    agent.destroy();
    tracer.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
