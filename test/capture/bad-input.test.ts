import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { analyzeCapture, type AnalyzeOptions } from '../../src/capture/index.js';
import { CaptureFormatError, UsageError } from '../../src/errors.js';
import { frame, readIpPackets, writePcap, writePcapng } from './capture-builder.js';

const pcap = readFileSync('test/fixtures/pcap/tls12-resume.pcap');
const pcapng = readFileSync('test/fixtures/pcap/tls13-resume.pcapng');

async function formatError(input: Buffer, options: AnalyzeOptions = {}): Promise<CaptureFormatError> {
  try {
    await analyzeCapture(input, options);
  } catch (err) {
    assert.ok(err instanceof CaptureFormatError, `expected CaptureFormatError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a CaptureFormatError');
}

test('wrong magic names offset 0', { timeout: 30_000 }, async () => {
  const e = await formatError(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.equal(e.offset, 0);
  assert.match(e.message, /not a pcap or pcapng file .* at byte offset 0/);
  assert.equal(e.code, 'CONNSCOPE_ERR_CAPTURE');
});

test('empty file and truncated file header', { timeout: 30_000 }, async () => {
  assert.match((await formatError(Buffer.alloc(0))).message, /empty capture file/);
  assert.match((await formatError(pcap.subarray(0, 3))).message, /truncated capture file header/);
  assert.match((await formatError(pcap.subarray(0, 10))).message, /truncated pcap file header at byte offset 0/);
  assert.match((await formatError(pcapng.subarray(0, 20))).message, /truncated/);
});

test('a capture cut inside its last packet: the complete packets are analysed, the cut is reported; strict refuses it', { timeout: 30_000 }, async () => {
  const whole = await analyzeCapture(pcap);
  const cut = pcap.subarray(0, pcap.length - 10);
  const s = await analyzeCapture(cut);
  assert.equal(s.capture.packets, whole.capture.packets - 1);
  assert.match(s.capture.truncated?.message ?? '', /truncated pcap packet 45: file ends \d+ bytes into it/);
  // the last record starts where the complete ones end: header plus every earlier record
  assert.ok(s.capture.truncated!.offset > 24 && s.capture.truncated!.offset < cut.length, String(s.capture.truncated!.offset));
  assert.equal(s.connections.size, whole.connections.size, 'the connections are all there');
  assert.equal(whole.capture.truncated, undefined);
  const e = await formatError(cut, { strict: true });
  assert.match(e.message, /truncated pcap packet 45: file ends \d+ bytes into it at byte offset \d+/);
  assert.equal(e.offset, s.capture.truncated!.offset);

  const ngWhole = await analyzeCapture(pcapng);
  const ng = await analyzeCapture(pcapng.subarray(0, pcapng.length - 10));
  assert.match(ng.capture.truncated?.message ?? '', /truncated pcapng block/);
  assert.ok(ng.capture.packets < ngWhole.capture.packets && ng.capture.packets > 0);
  assert.match((await formatError(pcapng.subarray(0, pcapng.length - 10), { strict: true })).message, /truncated pcapng block/);
});

test('absurd lengths', { timeout: 30_000 }, async () => {
  const big = Buffer.from(pcap);
  big.writeUInt32LE(0x7fffffff, 24 + 8);
  const e = await formatError(big);
  assert.equal(e.offset, 32);
  assert.match(e.message, /claims 2147483647 captured bytes/);

  const ng = Buffer.from(pcapng);
  // the second block (the interface description) gets an odd length
  const second = ng.readUInt32LE(4);
  ng.writeUInt32LE(13, second + 4);
  assert.match((await formatError(ng)).message, /impossible length 13 at byte offset \d+/);

  const trailer = Buffer.from(pcapng);
  trailer.writeUInt32LE(second + 4, second - 4);
  assert.match((await formatError(trailer)).message, /trailing copy/);
});

test('unknown link type', { timeout: 30_000 }, async () => {
  const ip = readIpPackets('test/fixtures/pcap/tls12-resume.pcap').slice(0, 3);
  const e = await formatError(writePcap(ip.map((p) => ({ tsMs: p.tsMs, data: frame(p.ip, 'ethernet') })), { linkType: 147 }));
  assert.equal(e.offset, 20);
  assert.match(e.message, /unsupported link type 147/);
  const ng = await formatError(writePcapng([{ linkType: 1 }, { linkType: 9999 }], []));
  assert.match(ng.message, /unsupported link type 9999 \(interface 1\)/);
  const undescribed = await formatError(writePcapng([{ linkType: 1 }], [{ iface: 3, tsMs: 0, data: frame(ip[0]!.ip, 'ethernet') }]));
  assert.match(undescribed.message, /interface 3, which was never described/);
});

test('a missing file is a usage error', { timeout: 30_000 }, async () => {
  await assert.rejects(analyzeCapture('/nonexistent/capture.pcap'), (e: unknown) => e instanceof UsageError && /no such file/.test(e.message));
});

test('non-TCP and non-IP packets are counted and skipped', { timeout: 30_000 }, async () => {
  const arp = Buffer.concat([Buffer.alloc(12, 2), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]);
  const udp = Buffer.alloc(28);
  udp[0] = 0x45;
  udp.writeUInt16BE(28, 2);
  udp[9] = 17;
  const frag = Buffer.from(readIpPackets('test/fixtures/pcap/tls12-resume.pcap')[0]!.ip);
  frag.writeUInt16BE(0x2000, 6); // more fragments
  const s = await analyzeCapture(writePcap([{ tsMs: 1, data: arp }, { tsMs: 2, data: frame(udp, 'ethernet') }, { tsMs: 3, data: frame(frag, 'ethernet') }], { linkType: 1 }));
  assert.equal(s.connections.size, 0);
  assert.equal(s.capture.skipped['not-ip'], 1);
  assert.equal(s.capture.skipped['not-tcp'], 1);
  assert.equal(s.capture.skipped.fragment, 1);
});

test('10,000 mutated captures: each ends with a result or a CaptureFormatError, quickly', { timeout: 120_000 }, async () => {
  const seeds = [pcap, pcapng, readFileSync('test/fixtures/pcap/http1-keepalive.pcap')];
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0), count: fc.constant(0) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 0xffff }), count: fc.constant(0) }),
  );
  let worst = 0;
  let errors = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (which, muts) => {
      let b = Buffer.from(seeds[which]!);
      for (const m of muts) {
        const at = m.at % Math.max(1, b.length);
        if (m.kind === 'flip') for (let i = 0; i < m.count && at + i * 7 < b.length; i++) b[at + i * 7] = (m.value + i * 31) & 255;
        else if (m.kind === 'truncate') b = b.subarray(0, at);
        else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.alloc(m.count, m.value), b.subarray(at)]);
        else if (at + 2 <= b.length) b.writeUInt16BE(m.value, at);
      }
      const began = performance.now();
      try {
        const s = await analyzeCapture(b);
        JSON.stringify(s);
      } catch (err) {
        if (!(err instanceof CaptureFormatError)) throw err;
        assert.ok(err.offset >= 0 && err.offset <= b.length + 24, `offset ${err.offset} of ${b.length}`);
        errors++;
      }
      const took = performance.now() - began;
      if (took > worst) worst = took;
      assert.ok(took < 1000, `one capture took ${took} ms`);
    }),
    { numRuns: 10_000 },
  );
  assert.ok(errors > 100, `format errors seen: ${errors}`);
});
