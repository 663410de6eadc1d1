import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import promClient from 'prom-client';
import { serverMetrics, SERVER_METRICS } from '../../src/report/prometheus.js';
import { instrumentServer } from '../../src/trace/server/index.js';
import { httpServer, httpsServer } from '../helpers/servers.js';
import { withDeadline } from './wait.js';

/** Value of one sample line (`name{labels} value`) in the text exposition; labels match in any order. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const want = labels.replace(/^\{|\}$/g, '').split(',').filter(Boolean).sort().join(',');
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if ((m[2] ?? '').split(',').filter(Boolean).sort().join(',') === want) return Number(m[3]);
  }
  return undefined;
}

test('server metrics: open connections by state, requests per connection, closes by reason, handshakes by kind', { timeout: 20_000 }, async () => {
  const served = await httpServer((_req, res) => res.end('ok'));
  const tracer = instrumentServer(served.server);
  const m = serverMetrics();
  const stopObserving = m.observe(tracer);
  const client = net.connect(served.port, '127.0.0.1');
  client.on('error', () => {});
  try {
    let received = '';
    client.on('data', (d: Buffer) => (received += d.toString('latin1')));
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nPROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n');
    await withDeadline((async () => { while (received.split('HTTP/1.1 200').length < 4) await sleep(10); })(), 5_000, 'three responses');
    let text = await m.metrics();
    assert.equal(sample(text, SERVER_METRICS.openConnections, '{http_connection_state="idle"}'), 1);
    assert.equal(sample(text, SERVER_METRICS.openConnections, '{http_connection_state="active"}'), 0);
    assert.equal(sample(text, SERVER_METRICS.activeRequests), 0);
    assert.equal(sample(text, `${SERVER_METRICS.requestDuration}_count`, '{http_request_method="GET",network_protocol_version="1.1",http_response_status_code="200",url_scheme="http"}'), 2);
    assert.equal(sample(text, `${SERVER_METRICS.requestDuration}_count`, '{http_request_method="_OTHER",network_protocol_version="1.1",http_response_status_code="200",url_scheme="http"}'), 1);
    assert.equal(sample(text, SERVER_METRICS.requests, '{connscope_connection_reused="false"}'), 1);
    assert.equal(sample(text, SERVER_METRICS.requests, '{connscope_connection_reused="true"}'), 2);
    client.end();
    await withDeadline((async () => { while (tracer.openConnections().length) await sleep(10); })(), 5_000, 'close');
    await sleep(20);
    text = await m.metrics();
    assert.equal(sample(text, SERVER_METRICS.connections), 1);
    assert.equal(sample(text, SERVER_METRICS.closes, '{connscope_close_side="client",connscope_close_reason="client-closed"}'), 1);
    assert.equal(sample(text, `${SERVER_METRICS.requestsPerConnection}_count`), 1);
    assert.equal(sample(text, `${SERVER_METRICS.requestsPerConnection}_sum`), 3);
    assert.equal(sample(text, SERVER_METRICS.openConnections, '{http_connection_state="idle"}'), 0);
    assert.ok(!(await promClient.register.metrics()).includes('http_server_'), 'the global registry stays untouched');
  } finally {
    client.destroy();
    stopObserving();
    tracer.stop();
    await served.close();
  }
});

test('TLS handshakes are counted by kind, with their duration', { timeout: 20_000 }, async () => {
  const served = await httpsServer((_req, res) => res.end('ok'));
  const tracer = instrumentServer(served.server);
  const m = serverMetrics();
  m.observe(tracer);
  const agent = new https.Agent({ keepAlive: false, ca: served.chain.caPem });
  const get = (): Promise<void> =>
    withDeadline(new Promise<void>((resolve, reject) => {
      https.get(`${served.origin}/`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      }).on('error', reject);
    }), 5_000, 'GET');
  try {
    await get();
    await sleep(30);
    await get();
    const text = await m.metrics();
    assert.equal(sample(text, SERVER_METRICS.tlsHandshakes, '{connscope_tls_handshake="full"}'), 1);
    assert.equal(sample(text, SERVER_METRICS.tlsHandshakes, '{connscope_tls_handshake="resumed"}'), 1);
    assert.equal(sample(text, `${SERVER_METRICS.tlsHandshakeDuration}_count`, '{connscope_tls_handshake="full"}'), 1);
  } finally {
    agent.destroy();
    tracer.stop();
    await served.close();
  }
});
