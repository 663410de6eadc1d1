import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { analyzeCapture } from '../../src/capture/index.js';
import type { PcapConnectionRecord } from '../../src/capture/pcap-record.js';
import { frame, LINKTYPE, readIpPackets, toIpv6, writePcap, writePcapng, type Framing } from './capture-builder.js';
import { project } from './project.js';

const FIXTURE = 'test/fixtures/pcap/tls13-resume.pcapng';
const packets = readIpPackets(FIXTURE);
const baseline = await analyzeCapture(FIXTURE);
const base = project(baseline);

function handshakeTimes(s: Awaited<ReturnType<typeof analyzeCapture>>): number[] {
  return ([...s.connections.values()] as PcapConnectionRecord[]).map((c) => c.pcap.tls?.handshakeMs ?? NaN);
}

test('the fixture itself parses into three TLS 1.3 connections, two resumed', { timeout: 30_000 }, () => {
  assert.equal(base.length, 3);
  assert.deepEqual(base.map((c) => c.resumed), [false, true, true]);
  assert.equal(baseline.capture.format, 'pcapng');
});

for (const framing of ['ethernet', 'vlan', 'qinq', 'sll', 'sll2', 'null', 'loop', 'raw', 'ipv4'] as Framing[]) {
  test(`link type ${framing} (${LINKTYPE[framing]}) gives the same connections`, { timeout: 30_000 }, async () => {
    const file = writePcap(packets.map((p) => ({ tsMs: p.tsMs, data: frame(p.ip, framing) })), { linkType: LINKTYPE[framing] });
    const s = await analyzeCapture(file);
    assert.deepEqual(project(s), base);
    assert.deepEqual(s.capture.linkTypes, [LINKTYPE[framing]]);
  });
}

for (const variant of [{ bigEndian: false, nanos: false }, { bigEndian: true, nanos: false }, { bigEndian: false, nanos: true }, { bigEndian: true, nanos: true }]) {
  test(`pcap ${variant.bigEndian ? 'big' : 'little'}-endian, ${variant.nanos ? 'ns' : 'µs'} timestamps`, { timeout: 30_000 }, async () => {
    const file = writePcap(packets.map((p) => ({ tsMs: p.tsMs, data: frame(p.ip, 'ethernet') })), { linkType: 1, ...variant });
    const s = await analyzeCapture(file);
    assert.deepEqual(project(s), base);
    const t = handshakeTimes(s);
    handshakeTimes(baseline).forEach((v, i) => assert.ok(Math.abs(t[i]! - v) < 0.002, `handshake ${i}: ${t[i]} vs ${v}`));
    assert.ok(Math.abs(s.capture.firstPacketEpochMs! - baseline.capture.firstPacketEpochMs!) < 0.002);
  });
}

test('pcapng big-endian, two interfaces with different timestamp resolutions, simple packet blocks', { timeout: 30_000 }, async () => {
  // even packets on a ns Ethernet interface, odd ones on a 2^-20 s raw-IP interface
  const ifaces = [{ linkType: 1, tsresol: 9 }, { linkType: 101, tsresol: 0x80 | 20 }];
  const ng = packets.map((p, i) => ({ iface: i % 2, tsMs: p.tsMs, data: frame(p.ip, i % 2 ? 'raw' : 'ethernet') }));
  const s = await analyzeCapture(writePcapng(ifaces, ng, { bigEndian: true }));
  assert.deepEqual(project(s), base);
  assert.deepEqual(s.capture.linkTypes.sort(), [1, 101]);
  const t = handshakeTimes(s);
  handshakeTimes(baseline).forEach((v, i) => assert.ok(Math.abs(t[i]! - v) < 0.01, `handshake ${i}: ${t[i]} vs ${v}`));

  // simple packet blocks carry no timestamp: the connections are still found
  const simple = writePcapng([{ linkType: 1 }], packets.map((p) => ({ iface: 0, tsMs: p.tsMs, data: frame(p.ip, 'ethernet'), simple: true })));
  const s2 = await analyzeCapture(simple);
  assert.deepEqual(project(s2).map((c) => [c.sni, c.resumed]), base.map((c) => [c.sni, c.resumed]));
});

test('IPv6 traffic gives the same TLS facts with IPv6 endpoints', { timeout: 30_000 }, async () => {
  const file = writePcap(packets.map((p) => ({ tsMs: p.tsMs, data: frame(toIpv6(p.ip), 'ethernet') })), { linkType: 1 });
  const s = await analyzeCapture(file);
  const got = project(s);
  assert.equal(got.length, 3);
  assert.match(got[0]!.client, /^\[2001:db8::7f00:1\]:\d+$/);
  const strip = (xs: typeof base) => xs.map(({ client: _c, server: _s, ...rest }) => rest);
  assert.deepEqual(strip(got), strip(base));
  const f = await analyzeCapture(file, { host: '2001:db8::7f00:1' });
  assert.equal(f.connections.size, 3);
});

test('chunk boundaries anywhere (1, 7 and 4093-byte chunks) give the same result', { timeout: 30_000 }, async () => {
  const bytes = writePcap(packets.map((p) => ({ tsMs: p.tsMs, data: frame(p.ip, 'ethernet') })), { linkType: 1 });
  const ng = writePcapng([{ linkType: 1 }], packets.map((p) => ({ iface: 0, tsMs: p.tsMs, data: frame(p.ip, 'ethernet') })));
  for (const size of [1, 7, 4093]) {
    for (const file of [bytes, ng]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < file.length; i += size) chunks.push(file.subarray(i, i + size));
      const s = await analyzeCapture(Readable.from(chunks));
      assert.deepEqual(project(s), base, `chunk size ${size}`);
    }
  }
});

test('a source that reuses one buffer for every chunk (as the file reader does) gives the same result, the first bytes in pieces', { timeout: 30_000 }, async () => {
  const bytes = writePcap(packets.map((p) => ({ tsMs: p.tsMs, data: frame(p.ip, 'ethernet') })), { linkType: 1 });
  const ng = writePcapng([{ linkType: 1 }], packets.map((p) => ({ iface: 0, tsMs: p.tsMs, data: frame(p.ip, 'ethernet') })));
  for (const file of [bytes, ng]) {
    const reused = Buffer.alloc(8192);
    const source = async function* (): AsyncGenerator<Buffer> {
      // 2 + 1 + 1 bytes (the gzip check reads 2, the format's magic is 4), then 8 KiB at a time, each into the
      // same buffer, scribbled over after use: what is kept across chunks must be a copy
      let at = 0;
      for (const n of [2, 1, 1]) {
        file.copy(reused, 0, at, at + n);
        at += n;
        yield reused.subarray(0, n);
        reused.fill(0xee);
      }
      while (at < file.length) {
        const n = file.copy(reused, 0, at, Math.min(file.length, at + reused.length));
        at += n;
        yield reused.subarray(0, n);
        reused.fill(0xee);
      }
    };
    const s = await analyzeCapture(source());
    assert.deepEqual(project(s), base);
  }
});

test('--port and --host filter connections', { timeout: 30_000 }, async () => {
  const port = Number(base[0]!.server.split(':')[1]);
  assert.equal((await analyzeCapture(FIXTURE, { port })).connections.size, 3);
  assert.equal((await analyzeCapture(FIXTURE, { port: port + 1 })).connections.size, 0);
  assert.equal((await analyzeCapture(FIXTURE, { host: '127.0.0.1' })).connections.size, 3);
  assert.equal((await analyzeCapture(FIXTURE, { host: '10.1.2.3' })).connections.size, 0);
  assert.equal((await analyzeCapture(FIXTURE, { host: 'localhost' })).connections.size, 3, 'a name matches the TLS server name');
  assert.equal((await analyzeCapture(FIXTURE, { host: 'example.invalid' })).connections.size, 0);
});

test('record caps: the first N connections are kept, the summary and facts count them all', { timeout: 30_000 }, async () => {
  // the same three connections 40 times, each copy 10 s later (port pairs reused after their close)
  const frames = [];
  for (let k = 0; k < 40; k++) for (const p of packets) frames.push({ tsMs: p.tsMs + k * 10_000, data: frame(p.ip, 'ethernet') });
  const s = await analyzeCapture(writePcap(frames, { linkType: 1 }), { maxConnections: 10 });
  assert.equal(s.connections.size, 10);
  assert.equal(s.capture.droppedConnections, 110);
  assert.equal(s.summary.connections, 120);
  assert.equal(s.summary.tls.resumed, 80);
  assert.equal(s.facts.tls?.resumptionSupported, true);
  assert.equal([...s.connections.keys()][0], 'p1');
});
