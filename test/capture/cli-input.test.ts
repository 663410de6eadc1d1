import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { analyzeCapture } from '../../src/capture/index.js';
import { run } from '../../src/cli/program.js';
import { EXIT } from '../../src/errors.js';
import { captureIO } from '../helpers/cli-io.js';
import { spawnConnscope } from '../cli/spawn.js';
import { frame, manyConnections, tcpPacket } from './capture-builder.js';
import { project } from './project.js';

const DIR = 'test/fixtures/pcap';
const tmp = mkdtempSync(join(tmpdir(), 'connscope-pcap-input-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The report without what differs between two reads of the same bytes: the name it was read under and the time it took. */
function comparable(json: string): unknown {
  const j = JSON.parse(json) as { capture: Record<string, unknown> };
  delete j.capture.file;
  delete j.capture.elapsedMs;
  return j;
}

// 60 copies of a fixture's connections: a report far larger than a pipe's buffer
const big = join(tmp, 'big.pcap');
writeFileSync(big, manyConnections(`${DIR}/http1-keepalive.pcap`, 60));

test('pcap - and pcap /dev/stdin read a capture piped to standard input: the same report as the file', { timeout: 240_000 }, async () => {
  const bytes = readFileSync(big);
  const [file, dash, devStdin] = await Promise.all([
    spawnConnscope(['pcap', big, '--json']),
    spawnConnscope(['pcap', '-', '--json'], { feed: (c) => c.stdin.end(bytes) }),
    spawnConnscope(['pcap', '/dev/stdin', '--json'], { feed: (c) => c.stdin.end(bytes) }),
  ]);
  assert.equal(file.code, EXIT.ok, file.stderr);
  assert.equal(JSON.parse(file.stdout).connections.length, 180);
  for (const [name, r] of [['-', dash], ['/dev/stdin', devStdin]] as const) {
    assert.equal(r.code, EXIT.ok, `${name}: ${r.stderr}`);
    assert.equal(r.stderr, '');
    assert.deepEqual(comparable(r.stdout), comparable(file.stdout), name);
  }
});

test('pcap reads a FIFO (mkfifo) as it is written: the same report as the file', { timeout: 240_000 }, async () => {
  const fifo = join(tmp, 'capture.fifo');
  execFileSync('mkfifo', [fifo]);
  const [file, piped] = await Promise.all([
    spawnConnscope(['pcap', big, '--json']),
    spawnConnscope(['pcap', fifo, '--json'], {
      feed: (c) => {
        c.stdin.end();
        // opening a FIFO for writing waits for its reader: connscope
        const w = createWriteStream(fifo);
        w.end(readFileSync(big));
      },
    }),
  ]);
  assert.equal(piped.code, EXIT.ok, piped.stderr);
  assert.deepEqual(comparable(piped.stdout), comparable(file.stdout));
  assert.equal(JSON.parse(piped.stdout).capture.file, fifo);
});

test('gzip-compressed captures read like the plain ones: a file, a stream, and gzip from standard input', { timeout: 240_000 }, async () => {
  for (const name of ['tls12-resume.pcap', 'tls13-resume.pcapng']) {
    const plain = readFileSync(`${DIR}/${name}`);
    const gz = gzipSync(plain);
    const a = await analyzeCapture(plain);
    for (const input of [gz, Readable.from([gz.subarray(0, 1), gz.subarray(1, 7), gz.subarray(7)])]) {
      const b = await analyzeCapture(input);
      assert.deepEqual(project(b), project(a), name);
      assert.deepEqual(b.summary, a.summary);
      assert.equal(b.capture.gzip, true);
      assert.equal(b.capture.bytes, plain.length, 'bytes of the capture itself, decompressed');
    }
    assert.equal(a.capture.gzip, false);
  }
  const gzFile = join(tmp, 'big.pcap.gz');
  writeFileSync(gzFile, gzipSync(readFileSync(big)));
  const [file, fromFile, fromStdin] = await Promise.all([
    spawnConnscope(['pcap', big, '--json']),
    spawnConnscope(['pcap', gzFile, '--json']),
    spawnConnscope(['pcap', '-', '--json'], { feed: (c) => c.stdin.end(readFileSync(gzFile)) }),
  ]);
  const plainJson = comparable(file.stdout) as { capture: Record<string, unknown> };
  plainJson.capture.gzip = true;
  for (const r of [fromFile, fromStdin]) {
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.deepEqual(comparable(r.stdout), plainJson);
  }
});

/** A pcap of one connection carrying `packets` segments of 1,400 zero bytes, gzipped as it is made (never whole in memory). */
async function bigGzippedCapture(packets: number): Promise<Buffer> {
  const gz = createGzip({ level: 1 });
  const out: Buffer[] = [];
  gz.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((resolve) => gz.on('end', resolve));
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  gz.write(header);
  const record = (i: number, ip: Buffer): Buffer => {
    const data = frame(ip, 'ethernet');
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 0);
    r.writeUInt32LE((i % 1000) * 1000, 4);
    r.writeUInt32LE(data.length, 8);
    r.writeUInt32LE(data.length, 12);
    return Buffer.concat([r, data]);
  };
  const c = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 9000 };
  gz.write(record(0, tcpPacket({ ...c, seq: 0, flags: 'S' })));
  gz.write(record(1, tcpPacket({ src: c.dst, dst: c.src, sport: c.dport, dport: c.sport, seq: 0, ack: 1, flags: 'SA' })));
  for (let i = 0; i < packets; i++) {
    if (!gz.write(record(i + 2, tcpPacket({ ...c, seq: 1 + i * 1400, ack: 1, flags: 'A', payload: 1400 })))) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

test('a large gzip capture streams: memory stays far below its decompressed size', { timeout: 240_000 }, async () => {
  const compressed = await bigGzippedCapture(100_000); // ~146 MB decompressed
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const s = await analyzeCapture(Readable.from([compressed]));
    assert.equal(s.capture.gzip, true);
    assert.ok(s.capture.bytes > 140 * 1024 * 1024, String(s.capture.bytes));
    assert.equal(s.capture.packets, 100_002);
    assert.equal(s.connections.size, 1);
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  // holding the decompressed capture would add ~146 MB; streaming adds zlib's window and a chunk or two
  assert.ok(peak - before < 64 * 1024 * 1024, `RSS grew ${((peak - before) / 1048576).toFixed(1)} MB`);
});

test('a gzip stream cut short: the complete packets, one warning; corrupt gzip data: exit 2', { timeout: 30_000 }, async () => {
  const plain = readFileSync(`${DIR}/tls12-resume.pcap`);
  const gz = gzipSync(plain);
  const cut = join(tmp, 'cut.pcap.gz');
  writeFileSync(cut, gz.subarray(0, gz.length - 40));
  const io = captureIO();
  assert.equal(await run(['pcap', cut], io), EXIT.ok, io.err);
  assert.match(io.err, /^connscope: warning: .* at byte offset \d+ of the decompressed capture; the \d+ complete packets were analysed/);
  assert.equal(io.err.trim().split('\n').length, 1);
  assert.match(io.out, /pcap \(gzip\)/);

  const corrupt = Buffer.from(gz);
  for (let i = 20; i < 40; i++) corrupt[i] = 0xff;
  const bad = join(tmp, 'corrupt.pcap.gz');
  writeFileSync(bad, corrupt);
  const e = captureIO();
  assert.equal(await run(['pcap', bad], e), EXIT.usage);
  assert.match(e.err, /^connscope: corrupt gzip data .*at byte offset \d+\n$/);
  assert.equal(e.out, '');
});

test('a capture cut inside its last packet (a killed tcpdump): analysed, warned once with the offset, exit 0; --strict: exit 2', { timeout: 30_000 }, async () => {
  for (const name of ['tls12-resume.pcap', 'tls13-resume.pcapng']) {
    const whole = readFileSync(`${DIR}/${name}`);
    const file = join(tmp, `cut-${name}`);
    writeFileSync(file, whole.subarray(0, whole.length - 30));
    const io = captureIO();
    assert.equal(await run(['pcap', file, '--json'], io), EXIT.ok, io.err);
    const j = JSON.parse(io.out);
    const full = await analyzeCapture(whole);
    assert.equal(j.connections.length, full.connections.size);
    assert.ok(j.capture.packets > 0 && j.capture.packets < full.capture.packets);
    assert.equal(typeof j.capture.truncated.offset, 'number');
    const lines = io.err.trim().split('\n');
    assert.equal(lines.length, 1, io.err);
    assert.match(lines[0]!, new RegExp(`^connscope: warning: truncated pcap(ng)? (packet|block).* at byte offset ${j.capture.truncated.offset}; the ${j.capture.packets} complete packets were analysed`));

    const strict = captureIO();
    assert.equal(await run(['pcap', file, '--strict'], strict), EXIT.usage);
    assert.equal(strict.out, '');
    assert.match(strict.err, new RegExp(`^connscope: truncated .* at byte offset ${j.capture.truncated.offset}\\n$`));
  }
  const whole = captureIO();
  await run(['pcap', `${DIR}/tls12-resume.pcap`, '--strict'], whole);
  assert.equal(whole.err, '', 'a complete capture: no warning');
});

test('a directory is refused with one line', { timeout: 30_000 }, async () => {
  const io = captureIO();
  assert.equal(await run(['pcap', tmp], io), EXIT.usage);
  assert.match(io.err, /is a directory/);
});

test('a file larger than several read-ahead chunks: the same report as its bytes in memory; an abort mid-file stops early and closes cleanly', { timeout: 120_000 }, async () => {
  // ~14 MiB of TLS connections: more than three of the file reader's 4 MiB chunks, so packets and
  // handshakes straddle chunk boundaries and both of its buffers are refilled while the other is parsed
  const bytes = manyConnections(`${DIR}/tls12-resume.pcap`, 2200);
  assert.ok(bytes.length > 12 * 1024 * 1024, String(bytes.length));
  const file = join(tmp, 'readahead.pcap');
  writeFileSync(file, bytes);
  const fromFile = await analyzeCapture(file, { maxConnections: 100_000 });
  const inMemory = await analyzeCapture(bytes, { maxConnections: 100_000 });
  assert.equal(fromFile.capture.bytes, bytes.length);
  assert.equal(fromFile.capture.packets, inMemory.capture.packets);
  const perCopy = (await analyzeCapture(`${DIR}/tls12-resume.pcap`)).connections.size;
  assert.equal(fromFile.connections.size, 2200 * perCopy);
  assert.deepEqual(project(fromFile), project(inMemory));
  assert.deepEqual(fromFile.summary, inMemory.summary);

  // Ctrl-C after the first chunk: the analysis ends with what was read, the read in flight lands before the file closes
  const controller = new AbortController();
  const partial = await analyzeCapture(file, { signal: controller.signal, onProgress: () => controller.abort() });
  assert.ok(partial.capture.bytes > 0 && partial.capture.bytes < bytes.length, String(partial.capture.bytes));
  assert.ok(partial.capture.packets < fromFile.capture.packets);
});
