import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProcess } from '../helpers/process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const REGISTER = join(ROOT, 'dist/run/register.js');
const APP = join(ROOT, 'test/fixtures/run/load-app.mjs');
const PER_CLIENT = 400;
const CLIENTS = 3;

interface Truth {
  server: { requests: number; status: Record<string, number>; connections: number; resets: number };
  client: { requests: number; failed: number; status: Record<string, number> };
}

/** Runs the load app under `--import connscope/register`; returns the report and the app's own counts. */
async function runApp(dir: string, name: string, env: Record<string, string>): Promise<{ report: any; truth: Truth; text: string }> {
  const json = join(dir, `${name}.json`);
  const r = await runProcess([process.execPath, '--import', REGISTER, APP], { CONNSCOPE_JSON: json, CONNSCOPE_REPORT: 'off', PER_CLIENT: String(PER_CLIENT), ...env });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const text = readFileSync(json, 'utf8');
  return { report: JSON.parse(text), truth: JSON.parse(r.out.trim().split('\n').pop()!) as Truth, text };
}

describe('connscope run: the production recording level (the default)', { timeout: 150_000 }, () => {
  let dir: string;
  before(() => {
    assert.ok(existsSync(REGISTER), 'dist is built (npm test builds before it tests)');
    dir = mkdtempSync(join(tmpdir(), 'connscope-production-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('counts every request and connection exactly, against the app server\'s own counts, and keeps a bounded sample of traces', async () => {
    const { report, truth, text } = await runApp(dir, 'production', {});
    const { client, server } = report.totals;
    assert.equal(truth.client.requests, PER_CLIENT * CLIENTS);
    assert.ok(truth.client.failed >= CLIENTS * Math.floor(PER_CLIENT / 50), `the app saw its resets fail (${truth.client.failed})`);
    // the client side: every request, status and failure the app itself saw
    assert.equal(client.requests, truth.client.requests);
    assert.deepEqual(client.status, truth.client.status);
    assert.equal(client.failed, truth.client.failed);
    assert.equal(client.duration.count, truth.client.requests, 'the duration histogram holds every request');
    // the server side: every request its handler ran, the statuses it sent, the resets as failures
    assert.equal(server.requests, truth.server.requests);
    assert.deepEqual(server.status, truth.server.status);
    assert.equal(server.failed, truth.server.resets);
    assert.equal(server.duration.count, truth.server.requests);
    // connections: each accepted connection is one the clients opened
    assert.equal(server.connectionsOpened, truth.server.connections);
    assert.equal(client.connectionsOpened, truth.server.connections, 'client connections = what the server accepted');
    assert.equal(client.reused, truth.client.requests - client.connectionsOpened, 'every request not opening a connection reused one');
    // traces: a sample (the first request on each connection, about 1 % of the rest, the slowest
    // and the failed, kept as a minimal trace when they were not sampled)
    const all = truth.client.requests + truth.server.requests;
    assert.equal(report.stats.requests, report.sampled.requests);
    assert.ok(report.sampled.requests < all / 2, `kept ${report.sampled.requests} of ${all} requests`);
    assert.equal(report.stats.errors, truth.client.failed + truth.server.resets, 'every failed request, both sides, is kept');
    assert.ok(!text.includes('secret'), 'no query string in the report');
  });

  test('--sample-rate 1 (the full level) traces every request; the totals are the same', async () => {
    const { report, truth } = await runApp(dir, 'full', { CONNSCOPE_SAMPLE_RATE: '1', CONNSCOPE_KEEP_RECENT: '100000' });
    assert.equal(report.totals.client.requests, truth.client.requests);
    assert.equal(report.totals.server.requests, truth.server.requests);
    assert.deepEqual(report.totals.client.status, truth.client.status);
    assert.equal(report.sampled.requests, truth.client.requests + truth.server.requests, 'every request of both sides traced');
  });

  test('--sample-rate 0 traces only the requests that open a connection; the totals are still exact', async () => {
    const { report, truth } = await runApp(dir, 'zero', { CONNSCOPE_SAMPLE_RATE: '0', CONNSCOPE_KEEP_SLOWEST: '0', CONNSCOPE_KEEP_FAILED: '0' });
    assert.equal(report.totals.client.requests, truth.client.requests);
    assert.equal(report.totals.server.requests, truth.server.requests);
    assert.equal(report.totals.client.failed, truth.client.failed);
    // traced: at most the first request on each connection (node:http clients and servers trace every
    // one; undici decides at creation, before it knows whether the request will open a connection)
    assert.ok(report.sampled.requests > 0);
    assert.ok(report.sampled.requests <= report.totals.client.connectionsOpened + report.totals.server.connectionsOpened, `kept ${report.sampled.requests}`);
  });
});
