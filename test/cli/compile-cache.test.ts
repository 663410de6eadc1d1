import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProcess, type Ran } from '../helpers/process.js';

// The shipped executable (dist/cli/main.cjs = launch.ts bundled) and the V8 code cache it keeps per subcommand.
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/cli/main.cjs');
const CAPTURE = join(ROOT, 'test/fixtures/pcap/tls12-resume.pcap');

/** The report without what differs between two runs of the same capture (the time the analysis took). */
const comparable = (r: Ran): unknown => {
  const j = JSON.parse(r.out) as { capture: Record<string, unknown> };
  delete j.capture.elapsedMs;
  return j;
};

describe('the compile cache of the bundled CLI', () => {
  let tmp: string;
  let reference: unknown;
  const pcap = (dir: string, extra: Record<string, string> = {}, args: string[] = [CAPTURE, '--json']): Promise<Ran> =>
    runProcess([process.execPath, BIN, 'pcap', ...args], { CONNSCOPE_COMPILE_CACHE: dir, NODE_DEBUG: 'connscope', ...extra });
  const stderrWithoutDebug = (r: Ran): string => r.err.split('\n').filter((l) => !/^CONNSCOPE \d+: /.test(l)).join('\n');

  before(async () => {
    assert.ok(existsSync(BIN) && existsSync(join(ROOT, 'dist/cli/bundle/cli.cjs')), 'dist is built (npm test builds before it tests)');
    tmp = mkdtempSync(join(tmpdir(), 'connscope-compile-cache-'));
    const r = await runProcess([process.execPath, BIN, 'pcap', CAPTURE, '--json'], { CONNSCOPE_COMPILE_CACHE: 'off' });
    assert.equal(r.code, 0, r.err);
    reference = comparable(r);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('missing: the run compiles from source and writes one (0700 directory, 0600 file); the next run uses it; same report', async () => {
    const dir = join(tmp, 'fresh', 'connscope');
    const first = await pcap(dir);
    assert.equal(first.code, 0, first.err);
    assert.match(first.err, /compile cache: none at .*pcap-[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+\.v8cache/);
    assert.match(first.err, /compile cache: wrote /);
    assert.deepEqual(comparable(first), reference);
    const files = readdirSync(dir);
    assert.equal(files.length, 1, files.join());
    assert.match(files[0]!, /^pcap-/);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, files[0]!)).mode & 0o777, 0o600);
    assert.ok(statSync(join(dir, files[0]!)).size > 10_000, 'bytecode of the functions the run compiled');

    const second = await pcap(dir);
    assert.equal(second.code, 0, second.err);
    assert.match(second.err, /compile cache: used /);
    assert.doesNotMatch(second.err, /wrote/);
    assert.deepEqual(comparable(second), reference);

    // another subcommand (or none) gets its own file
    const help = await runProcess([process.execPath, BIN, '--help'], { CONNSCOPE_COMPILE_CACHE: dir });
    assert.equal(help.code, 0, help.err);
    assert.deepEqual(readdirSync(dir).map((f) => f.split('-')[0]).sort(), ['cli', 'pcap']);
  });

  test('stale or corrupt: V8 rejects it, the run compiles from source with the same report and replaces the file; an older build\'s file goes', async () => {
    const dir = join(tmp, 'stale');
    assert.equal((await pcap(dir)).code, 0);
    const [name] = readdirSync(dir);
    const file = join(dir, name!);
    const older = join(dir, 'pcap-0123456789abcdef-v20.0.0-x64.v8cache');
    writeFileSync(older, 'an older build', { mode: 0o600 });
    for (const junk of [Buffer.alloc(64, 0xab), readFileSync(file).subarray(0, 5000)]) {
      writeFileSync(file, junk);
      const r = await pcap(dir);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /compile cache: rejected by V8/);
      assert.equal(stderrWithoutDebug(r).trim(), '');
      assert.deepEqual(comparable(r), reference);
      assert.notDeepEqual(readFileSync(file), junk);
    }
    assert.equal(existsSync(older), false, 'one file per subcommand');
    assert.match((await pcap(dir)).err, /compile cache: used /);
  });

  test('unusable: a path under a file, a directory others may write, `off`, a usage error: the run is the same and writes nothing', async () => {
    const plainFile = join(tmp, 'not-a-dir');
    writeFileSync(plainFile, '');
    const open = join(tmp, 'world-writable');
    mkdirSync(open);
    chmodSync(open, 0o777);
    for (const dir of [join(plainFile, 'cache'), open]) {
      const r = await runProcess([process.execPath, BIN, 'pcap', CAPTURE, '--json'], { CONNSCOPE_COMPILE_CACHE: dir });
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '', 'nothing said without NODE_DEBUG');
      assert.deepEqual(comparable(r), reference);
    }
    assert.deepEqual(readdirSync(open), []);
    assert.match((await pcap(open)).err, /not a directory of this user that only it can write/);

    const home = join(tmp, 'home');
    mkdirSync(home);
    const off = await runProcess([process.execPath, BIN, 'pcap', CAPTURE, '--json'], { CONNSCOPE_COMPILE_CACHE: 'off', HOME: home, XDG_CACHE_HOME: '' });
    assert.equal(off.code, 0, off.err);
    assert.deepEqual(readdirSync(home), []);

    // the default place: $XDG_CACHE_HOME/connscope, else ~/.cache/connscope
    const viaHome = await runProcess([process.execPath, BIN, 'pcap', CAPTURE, '--json'], { CONNSCOPE_COMPILE_CACHE: '', HOME: home, XDG_CACHE_HOME: '' });
    assert.equal(viaHome.code, 0, viaHome.err);
    assert.equal(readdirSync(join(home, '.cache', 'connscope')).length, 1);

    const usage = join(tmp, 'usage');
    const bad = await pcap(usage, {}, [join(tmp, 'no-such.pcap'), '--json']);
    assert.equal(bad.code, 2);
    assert.equal(existsSync(usage) ? readdirSync(usage).length : 0, 0, 'a usage error writes no cache');
  });
});
