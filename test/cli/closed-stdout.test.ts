import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/errors.js';
import { manyConnections } from '../capture/capture-builder.js';
import { httpServer, type Served } from '../helpers/servers.js';
import { ROOT, spawnConnscope, type Spawned } from './spawn.js';

const tmp = mkdtempSync(join(tmpdir(), 'connscope-epipe-'));
let server: Served<http.Server>;
before(async () => {
  server = await httpServer((_req, res) => res.end('ok'));
});
after(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Like `connscope … | head -c 10`: read a few bytes, then close the pipe while connscope still writes. */
function readTenBytes(argv: string[]): Promise<Spawned & { got: number }> {
  let got = 0;
  return spawnConnscope(argv, {
    feed: (c) => {
      c.stdin.end();
      c.stdout.once('data', (d: Buffer) => {
        got = d.length;
        c.stdout.destroy();
      });
    },
  }).then((r) => ({ ...r, got }));
}

/** Like `connscope … | true`: the reader is gone before connscope writes anything. */
function readerGone(argv: string[]): Promise<Spawned> {
  return spawnConnscope(argv, {
    feed: (c) => {
      c.stdin.end();
      c.stdout.destroy();
    },
  });
}

function quiet(r: Spawned, what: string): void {
  assert.equal(r.signal, null, what);
  assert.equal(r.code, EXIT.ok, `${what}: ${r.stderr}`);
  assert.equal(r.stderr, '', `${what}: nothing on stderr, no stack trace`);
}

test('pcap --json | head -c 10: exits quietly, exit 0, no EPIPE trace', { timeout: 240_000 }, async () => {
  const file = join(tmp, 'big.pcap');
  // 200 copies of three connections: about a megabyte of JSON, far more than a pipe holds
  writeFileSync(file, manyConnections('test/fixtures/pcap/http1-keepalive.pcap', 200));
  const [json, text, gone] = await Promise.all([readTenBytes(['pcap', file, '--json']), readTenBytes(['pcap', file, '--top', '100000']), readerGone(['pcap', file, '--json'])]);
  assert.ok(json.got > 0);
  quiet(json, 'pcap --json');
  quiet(text, 'pcap (text)');
  quiet(gone, 'pcap --json, reader gone at once');
});

test('probe and check-server with a closed stdout: exit quietly', { timeout: 240_000 }, async () => {
  const [probe, probeJson, check] = await Promise.all([
    readerGone(['probe', '-n', '2', `http://127.0.0.1:${server.port}/`]),
    readTenBytes(['probe', '-n', '2', '--json', `http://127.0.0.1:${server.port}/`]),
    readerGone(['check-server', '--json']),
  ]);
  quiet(probe, 'probe');
  quiet(probeJson, 'probe --json');
  quiet(check, 'check-server --json');
});

test('a stdout that cannot be written (/dev/full: ENOSPC) is a failed run: exit 1, no stack trace', { timeout: 120_000, skip: existsSync('/dev/full') ? false : 'no /dev/full' }, () => {
  const full = openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'check-server', '--json'], { cwd: ROOT, stdio: ['ignore', full, 'pipe'], timeout: 90_000 });
    assert.equal(r.status, EXIT.findings, r.stderr.toString());
    assert.equal(r.stderr.toString(), '');
  } finally {
    closeSync(full);
  }
});
