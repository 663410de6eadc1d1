import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProcess } from '../helpers/process.js';
import { listen, type Served } from '../helpers/servers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/cli/main.cjs');
const REGISTER = join(ROOT, 'dist/run/register.js');
const APP = join(ROOT, 'test/fixtures/run/app.mjs');
const PRELOAD = join(ROOT, 'test/fixtures/run/preload.cjs');

const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));

describe('connscope run: an unmodified app, traced', () => {
  let server: Served<http.Server>;
  let dir: string;
  before(async () => {
    assert.ok(existsSync(BIN) && existsSync(REGISTER), 'dist is built (npm test builds before it tests)');
    server = await listen(
      http.createServer((req, res) => res.end('ok')),
      'http',
    );
    dir = mkdtempSync(join(tmpdir(), 'connscope-run-test-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the report counts the connections the server saw; the exit code and NODE_OPTIONS are the app\'s', async () => {
    for (const exit of [0, 3]) {
      const before = server.connections;
      const json = join(dir, `out-${exit}.json`);
      const r = await runProcess([process.execPath, BIN, 'run', '--json', json, '--report', 'off', '--', process.execPath, APP], {
        TARGET: server.origin,
        APP_EXIT: String(exit),
        NODE_OPTIONS: `--require=${PRELOAD}`,
      });
      assert.equal(r.code, exit, r.err);
      assert.match(r.out, /requests done preloaded=true/, 'the NODE_OPTIONS the user set is still in effect');
      assert.equal(r.err, '', 'no terminal report with --report off, and nothing else on stderr');
      const report = readJson(json);
      const seen = server.connections - before;
      assert.equal(report.schema, 'connscope-run/1');
      assert.equal(report.reason, 'exit');
      assert.equal(report.process.root, true);
      assert.equal(report.totals.client.requests, 9);
      assert.equal(report.totals.client.connectionsOpened, seen, 'client connections = what the server accepted');
      assert.equal(report.totals.client.reused, 9 - seen, 'every request not opening a connection reused one');
      assert.deepEqual(report.totals.client.status, { '200': 9 });
      assert.equal(report.totals.client.failed, 0);
      assert.equal(report.diagnostics, 0);
    }
  });

  test('SIGUSR2 writes a report and the app goes on; the final report follows at exit', async () => {
    const json = join(dir, 'usr2.json');
    let signalled: any;
    const r = await runProcess([process.execPath, BIN, 'run', '--json', json, '--report', 'off', '--', process.execPath, APP], { TARGET: server.origin, MODE: 'wait' }, {
      when: 'requests done',
      then: (child) => {
        const pid = child.pid!;
        // run's own pid: it passes SIGUSR2 on to the app
        const poll = setInterval(() => {
          if (!existsSync(json)) return process.kill(pid, 'SIGUSR2');
          clearInterval(poll);
          signalled = readJson(json);
          child.stdin!.end();
        }, 200);
      },
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(signalled.reason, 'signal');
    assert.equal(signalled.totals.client.requests, 9);
    assert.match(r.out, /app done/, 'the app went on after the signal');
    assert.equal(readJson(json).reason, 'exit');
  });

  test('SIGTERM to an app without its own handler: the report is written and the app ends by SIGTERM as before', async () => {
    const json = join(dir, 'term.json');
    const r = await runProcess([process.execPath, BIN, 'run', '--json', json, '--report', 'off', '--', process.execPath, APP], { TARGET: server.origin, MODE: 'wait' }, {
      when: 'requests done',
      then: (child) => void process.kill(child.pid!, 'SIGTERM'),
    });
    assert.equal(r.code, 128 + 15);
    const report = readJson(json);
    assert.equal(report.reason, 'signal');
    assert.equal(report.totals.client.requests, 9);
  });

  test('an uncaught exception: the app still fails as it would, and the report says why it ended', async () => {
    const json = join(dir, 'throw.json');
    const r = await runProcess([process.execPath, BIN, 'run', '--json', json, '--report', 'off', '--', process.execPath, APP], { TARGET: server.origin, MODE: 'throw' });
    assert.equal(r.code, 1);
    assert.match(r.err, /the app failed on purpose/, "Node's own report of the exception is untouched");
    assert.equal(readJson(json).reason, 'uncaught-exception');
  });

  test('a Node process the app starts is traced and reported on its own, with its pid and argv', async () => {
    const json = join(dir, 'tree.json');
    const r = await runProcess([process.execPath, BIN, 'run', '--json', json, '--report', 'off', '--', process.execPath, APP], { TARGET: server.origin, MODE: 'child' });
    assert.equal(r.code, 0, r.err);
    const childPid = /child pid (\d+)/.exec(r.out)?.[1];
    assert.ok(childPid, r.out);
    const childReport = readJson(join(dir, `tree.${childPid}.json`));
    assert.equal(childReport.process.pid, Number(childPid));
    assert.equal(childReport.process.root, false);
    assert.ok(childReport.process.argv.some((a: string) => a.endsWith('child.mjs')));
    assert.equal(childReport.totals.client.requests, 2);
    assert.equal(childReport.totals.client.connectionsOpened, 2);
    assert.equal(readJson(json).totals.client.requests, 9, 'the parent reports only its own requests');
  });

  test('the terminal report goes to stderr (or --report-file), never into the app\'s stdout; secrets in argv are not shown', async () => {
    const r = await runProcess([process.execPath, BIN, 'run', '--', process.execPath, APP, '--api-token=s3cr3tvalue', 'http://alice:pa55word@127.0.0.1:1/'], { TARGET: server.origin });
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /connscope run/);
    assert.match(r.err, /connscope run pid \d+/);
    assert.match(r.err, /As a client/);
    assert.doesNotMatch(r.err + r.out, /s3cr3tvalue|pa55word/);
    const file = join(dir, 'report.txt');
    const f = await runProcess([process.execPath, BIN, 'run', '--report-file', file, '--', process.execPath, APP], { TARGET: server.origin });
    assert.equal(f.err, '');
    assert.match(readFileSync(file, 'utf8'), /requests\s+9/);
  });

  test('bad input: an unknown or invalid option exits 2 before starting anything; a missing command 127; a non-Node command runs with one warning', async () => {
    const marker = join(dir, 'started');
    for (const opt of [['--nope'], ['--keep-recent', 'many'], ['--report-signal', 'SIGKILL']]) {
      const r = await runProcess([process.execPath, BIN, 'run', ...opt, '--', 'touch', marker], {});
      assert.equal(r.code, 2, `${opt.join(' ')}: ${r.err}`);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.ok(!existsSync(marker), 'the command did not start');
    }
    const missing = await runProcess([process.execPath, BIN, 'run', '--', 'connscope-no-such-command'], {});
    assert.equal(missing.code, 127);
    assert.match(missing.err, /command not found: connscope-no-such-command/);
    const sh = await runProcess([process.execPath, BIN, 'run', '--', 'sh', '-c', 'exit 4'], {});
    assert.equal(sh.code, 4);
    assert.match(sh.err, /nothing was traced/);
    assert.equal(sh.err.trim().split('\n').length, 1);
  });

  test('register with a bad CONNSCOPE_* value: the app runs untraced and one line says why', async () => {
    const r = await runProcess([process.execPath, '--import', REGISTER, APP], { TARGET: server.origin, CONNSCOPE_KEEP_RECENT: 'lots', APP_EXIT: '0' });
    assert.equal(r.code, 0);
    assert.match(r.out, /requests done/);
    assert.equal(r.err, "connscope: not tracing this process: invalid CONNSCOPE_KEEP_RECENT 'lots' (expected an integer from 0 to 1000000)\n");
  });

  test('findings on live data use the exact response counts, not the kept sample: 5xx answers give server-errors', async () => {
    let answered = 0;
    let bad = 0;
    const flaky = await listen(
      http.createServer((_req, res) => {
        answered++;
        if (answered % 3 === 0) {
          bad++;
          res.statusCode = 502;
        }
        res.end('x');
      }),
      'http',
    );
    try {
      const json = join(dir, 'errors.json');
      const r = await runProcess([process.execPath, '--import', REGISTER, APP], { TARGET: flaky.origin, CONNSCOPE_JSON: json, CONNSCOPE_REPORT: 'off', CONNSCOPE_KEEP_RECENT: '1', CONNSCOPE_KEEP_SLOWEST: '0', CONNSCOPE_KEEP_FAILED: '0' });
      assert.equal(r.code, 0, r.err);
      const report = readJson(json);
      assert.equal(report.sampled.requests, 1);
      assert.equal(report.totals.client.status['502'], bad);
      const f = report.findings.find((x: { id: string }) => x.id === 'server-errors');
      assert.ok(f, JSON.stringify(report.findings.map((x: { id: string }) => x.id)));
      assert.equal(f.evidence.responses, answered, "every response counted, not the one kept trace");
      assert.equal(f.evidence.serverErrors, bad);
    } finally {
      await flaky.close();
    }
  });

  test('node --import connscope/register takes its options from CONNSCOPE_* variables', async () => {
    const json = join(dir, 'register.json');
    const r = await runProcess([process.execPath, '--import', REGISTER, APP], { TARGET: server.origin, CONNSCOPE_JSON: json, CONNSCOPE_REPORT: 'off', CONNSCOPE_KEEP_RECENT: '2', CONNSCOPE_KEEP_SLOWEST: '0' });
    assert.equal(r.code, 0, r.err);
    const report = readJson(json);
    assert.equal(report.totals.client.requests, 9, 'totals count every request');
    assert.equal(report.sampled.requests, 2, 'only the 2 most recent traces kept');
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('register.')), ['register.json']);
  });
});
