import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { analyzeCapture } from '../../src/capture/index.js';
import { project } from './project.js';
import { tsharkExpectations, type ExpectedConnection } from './tshark-expect.js';

const DIR = 'test/fixtures/pcap';
const FIXTURES = ['tls12-resume.pcap', 'tls13-resume.pcapng', 'tls13-hrr-ns.pcap', 'http1-keepalive.pcap'];

function tsharkInstalled(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const byClient = (xs: ExpectedConnection[]): ExpectedConnection[] => [...xs].sort((a, b) => a.client.localeCompare(b.client));

for (const name of FIXTURES) {
  test(`${name}: per-connection fields equal what tshark said at fixture time`, { timeout: 20_000 }, async () => {
    const expected = JSON.parse(readFileSync(`${DIR}/${name.replace(/\.[^.]+$/, '')}.expected.json`, 'utf8')) as { connections: ExpectedConnection[] };
    const session = await analyzeCapture(`${DIR}/${name}`);
    assert.ok(expected.connections.length > 0);
    assert.deepEqual(byClient(project(session)), byClient(expected.connections));
  });
}

test('live tshark on every fixture agrees with connscope', { timeout: 60_000, skip: tsharkInstalled() ? false : 'tshark not installed' }, async () => {
  for (const name of FIXTURES) {
    const [live, session] = await Promise.all([tsharkExpectations(`${DIR}/${name}`), analyzeCapture(`${DIR}/${name}`)]);
    assert.deepEqual(byClient(project(session)), byClient(live), name);
  }
});

test('the fixtures cover what the comparison is about', { timeout: 30_000 }, async () => {
  const all = await Promise.all(FIXTURES.map((f) => analyzeCapture(`${DIR}/${f}`)));
  const conns = all.flatMap((s) => project(s));
  assert.ok(conns.some((c) => c.selectedVersion === 0x0303 && c.resumed), 'a resumed TLS 1.2 connection');
  assert.ok(conns.some((c) => c.selectedVersion === 0x0304 && c.pskAccepted), 'a PSK-resumed TLS 1.3 connection');
  assert.ok(conns.some((c) => c.helloRetry && c.handshakes === 2), 'a HelloRetryRequest');
  assert.ok(conns.some((c) => c.firstClose?.flag === 'RST' && c.firstClose.side === 'client'), 'a client reset');
  assert.ok(conns.some((c) => c.firstClose?.side === 'server' && c.firstClose.flag === 'FIN'), 'a server FIN');
  assert.ok(conns.some((c) => c.alpn === 'http/1.1'), 'ALPN visible in TLS 1.2');
});
