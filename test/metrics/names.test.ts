import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedValues, OTHER, PeerCache } from '../../src/metrics/attributes.js';
import { METRICS, promLabel, promName } from '../../src/metrics/names.js';

test('Prometheus names follow OpenTelemetry\'s translation: dots to underscores, _seconds, _total on counters', () => {
  assert.equal(promName(METRICS.clientRequestDuration), 'http_client_request_duration_seconds');
  assert.equal(promName(METRICS.clientOpenConnections), 'http_client_open_connections');
  assert.equal(promName(METRICS.clientRequests), 'connscope_http_client_requests_total');
  assert.equal(promName(METRICS.findings), 'connscope_findings');
  assert.equal(promLabel('http.connection.state'), 'http_connection_state');
  const names = Object.values(METRICS).map((d) => d.name);
  assert.equal(new Set(names).size, names.length, 'no name twice');
  for (const d of Object.values(METRICS)) {
    assert.ok(/^(http|dns|connscope)\./.test(d.name), d.name);
    if (!/^(http|dns)\./.test(d.name)) assert.ok(d.name.startsWith('connscope.'), `${d.name}: connscope's own facts are under connscope.`);
  }
});

test('origins become server.address / server.port / url.scheme, IPv6 without brackets, bounded', () => {
  const peers = new PeerCache(2);
  assert.deepEqual(peers.of('https://[::1]:8443'), { 'server.address': '::1', 'server.port': 8443, 'url.scheme': 'https' });
  assert.deepEqual(peers.of('http://api.internal'), { 'server.address': 'api.internal', 'server.port': 80, 'url.scheme': 'http' });
  assert.equal(peers.of('https://[::1]:8443'), peers.of('https://[::1]:8443'), 'parsed once, the same object');
  assert.equal(peers.of('http://third:1')['server.address'], OTHER, 'past the bound a new origin is _OTHER');
  const values = new BoundedValues(1);
  assert.equal(values.of('ECONNRESET'), 'ECONNRESET');
  assert.equal(values.of('EPIPE'), OTHER);
  assert.equal(values.of('ECONNRESET'), 'ECONNRESET');
});
