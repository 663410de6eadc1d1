import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/program.js';
import { EXIT } from '../../src/errors.js';
import { SCHEMA_VERSION } from '../../src/report/schema.js';
import { captureIO } from '../helpers/cli-io.js';
import { loadSchema, validate } from '../helpers/json-schema.js';
import { httpServer } from '../helpers/servers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const benchSchema = loadSchema(ROOT, 'docs/bench-schema.json');

const server = await httpServer((_q, res) => res.end('ok'));
after(() => server.close());

async function cli(args: string[]): Promise<Record<string, any>> {
  const io = captureIO({}, { isTTY: false });
  const code = await run(args, io);
  assert.equal(code, EXIT.ok, io.err);
  return JSON.parse(io.out) as Record<string, any>;
}

for (const client of ['undici', 'raw'] as const) {
  test(`bench --json (${client}) matches docs/bench-schema.json, and its figures match what the server saw`, { timeout: 30_000 }, async () => {
    const before = server.connections;
    const j = await cli(['bench', `${server.origin}/`, '--client', client, '-n', '300', '-c', '4', '--json']);
    const errors: string[] = [];
    validate(j, benchSchema, '$', errors);
    assert.deepEqual(errors, []);
    assert.equal(j.schema, 'connscope-bench/1');
    assert.equal(j.schemaVersion, SCHEMA_VERSION);
    assert.equal(j.stats.requests, 300);
    assert.equal(j.stats.statusCodes['200'], 300);
    // ground truth: the server's own count of accepted connections, less bench's one preflight connection
    assert.equal(j.stats.connectionsOpened, server.connections - before - 1);
    assert.ok(j.stats.connectionsOpened <= 4);
    assert.equal(j.stats.requestsPerConnection.mean, j.stats.tracedRequests / j.stats.connectionsOpened);
    // the fact bench used to push is the stats' own number, kept for readers of schema 1
    assert.equal(j.facts.blockedShare, j.stats.blockedShare);
  });
}

test('bench --matrix --json: one header, rows without it', { timeout: 30_000 }, async () => {
  const j = await cli(['bench', `${server.origin}/`, '--matrix', 'connections=1,2', '-n', '40', '-c', '2', '--json']);
  assert.equal(j.schema, 'connscope-bench-matrix/1');
  assert.equal(j.schemaVersion, SCHEMA_VERSION);
  assert.equal(j.rows.length, 2);
  for (const row of j.rows) {
    assert.equal(row.schema, undefined);
    assert.equal(row.stats.requests, 40);
  }
});

test('pcap, lab and probe JSON carry the same schemaVersion', { timeout: 30_000 }, async () => {
  const pcap = await cli(['pcap', 'test/fixtures/pcap/tls13-resume.pcapng', '--json']);
  assert.equal(pcap.schema, 'connscope-pcap/1');
  assert.equal(pcap.schemaVersion, SCHEMA_VERSION);
  assert.equal(pcap.connections.length, 3);
  const lab = await cli(['lab', '--json']);
  assert.equal(lab.schema, 'connscope-lab-list/1');
  assert.equal(lab.schemaVersion, SCHEMA_VERSION);
  assert.ok(lab.scenarios.length > 0);
  const probe = await cli(['probe', `${server.origin}/`, '-n', '2', '--json']);
  assert.equal(probe.schema, 'connscope-probe/1');
  assert.equal(probe.schemaVersion, SCHEMA_VERSION);
});
