import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/errors.js';
import { httpServer } from '../helpers/servers.js';
import { httpResponder, okResponse, rawServer, runCli, spawnCli } from '../probe/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'connscope-html-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURE = 'test/fixtures/pcap/tls12-resume.pcap';

const srv = await rawServer(httpResponder(() => okResponse()));
after(() => srv.close());

const missingDir = join(dir, 'no-such-dir', 'report.html');
const aDirectory = join(dir, 'a-directory');
mkdirSync(aDirectory);

for (const target of [missingDir, aDirectory]) {
  const why = target === missingDir ? 'its folder does not exist' : 'it is a directory';
  test(`an unwritable --html path (${why}) is refused with exit 2 before any traffic`, { timeout: 30_000 }, async () => {
    const runs: Array<[string, string[]]> = [
      ['probe', ['probe', `${srv.origin}/`, '--html', target]],
      ['bench', ['bench', `${srv.origin}/`, '-n', '5', '--html', target]],
      ['pcap', ['pcap', FIXTURE, '--html', target]],
      ['lab', ['lab', 'connection-close', '--html', target]],
    ];
    for (const [name, argv] of runs) {
      const before = srv.connections;
      const out = await runCli(argv);
      assert.equal(out.code, EXIT.usage, `${name}: ${out.stderr}`);
      assert.match(out.stderr, /^connscope: cannot write --html file .* \((ENOENT|EISDIR)\)\n$/, `${name}: one line`);
      assert.equal(out.stdout, '', `${name}: no report, nothing ran`);
      assert.equal(srv.connections, before, `${name}: no connection reached the server`);
    }
    assert.equal(srv.connections, 0);
    assert.ok(!existsSync(missingDir));
  });
}

test('lab --html with no scenario to run is a usage error', async () => {
  const out = await runCli(['lab', '--html', join(dir, 'list.html')]);
  assert.equal(out.code, EXIT.usage);
  assert.match(out.stderr, /--html needs scenarios to run/);
});

test('the real binary writes pcap --html with every connection and finding id of --json', { timeout: 60_000 }, async () => {
  const file = join(dir, 'pcap.html');
  const [withHtml, json] = await Promise.all([spawnCli(['pcap', FIXTURE, '--html', file]), spawnCli(['pcap', FIXTURE, '--json'])]);
  assert.equal(withHtml.code, EXIT.ok, withHtml.stderr);
  assert.match(withHtml.stdout, /Summary/, 'the terminal report still prints');
  const doc = JSON.parse(json.stdout);
  const html = readFileSync(file, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.ok(doc.connections.length > 0);
  for (const c of doc.connections) {
    assert.ok(html.includes(`<tr id="pcap-conn-${c.id}" data-conn="${c.id}">`), `row of ${c.id}`);
    assert.ok(html.includes(`<g class="lane" data-conn="${c.id}"`), `lane of ${c.id}`);
  }
  for (const f of doc.findings) assert.ok(html.includes(`data-finding="${f.id}"`), f.id);
  // the summary numbers are the terminal's lines
  assert.ok(html.includes(`attempted ${doc.summary.tls.resumptionAttempted}, accepted ${doc.summary.tls.resumed} of ${doc.summary.tls.connections} TLS connections`));
});

test('the real binary writes probe --html beside the terminal report', { timeout: 60_000 }, async () => {
  const served = await httpServer((_q, res) => res.end('ok'));
  after(() => served.close());
  const file = join(dir, 'probe.html');
  const out = await spawnCli(['probe', `${served.origin}/`, '-n', '2', '--html', file]);
  assert.equal(out.code, EXIT.ok, out.stderr);
  assert.match(out.stdout, /Requests \(ms\)/);
  const html = readFileSync(file, 'utf8');
  assert.equal(served.connections, 1, 'two requests on one kept-alive connection');
  assert.equal((html.match(/<g class="lane" data-conn=/g) ?? []).length, 1, 'one lane');
  assert.equal((html.match(/<g class="req/g) ?? []).length, 2, 'two request bars');
});
