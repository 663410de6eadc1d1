import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeCapture } from '../../src/capture/index.js';
import type { PcapConnectionRecord } from '../../src/capture/pcap-record.js';
import { frame, payloadOf, readIpPackets, splitSegment, writePcap, type IpPacket } from './capture-builder.js';
import { project } from './project.js';

const FIXTURE = 'test/fixtures/pcap/tls12-resume.pcap';
const packets = readIpPackets(FIXTURE);
const base = project(await analyzeCapture(FIXTURE));

const isClientHello = (ip: Buffer): boolean => {
  const p = payloadOf(ip);
  return p.length > 5 && p[0] === 0x16 && p[5] === 0x01;
};
const firstHello = packets.findIndex((p) => isClientHello(p.ip));

function write(list: IpPacket[], snap?: number): Buffer {
  return writePcap(list.map((p) => {
    const f = frame(p.ip, 'ethernet');
    return { tsMs: p.tsMs, data: snap ? f.subarray(0, snap) : f };
  }), { linkType: 1 });
}

/** The first ClientHello cut into three segments, rearranged by `order` (indexes into the parts). */
function withHelloParts(order: number[]): IpPacket[] {
  const hello = packets[firstHello]!;
  const parts = splitSegment(hello.ip, 3);
  return [...packets.slice(0, firstHello), ...order.map((i) => ({ tsMs: hello.tsMs, ip: parts[i]! })), ...packets.slice(firstHello + 1)];
}

const records = async (file: Buffer): Promise<PcapConnectionRecord[]> => [...(await analyzeCapture(file)).connections.values()] as PcapConnectionRecord[];

test('a ClientHello spanning three segments is reassembled', { timeout: 30_000 }, async () => {
  assert.ok(firstHello > 0);
  assert.deepEqual(project(await analyzeCapture(write(withHelloParts([0, 1, 2])))), base);
});

test('out-of-order and retransmitted segments: same TLS facts, counted as such', { timeout: 30_000 }, async () => {
  const [first] = await records(write(withHelloParts([2, 0, 0, 1])));
  assert.deepEqual(project(await analyzeCapture(write(withHelloParts([2, 0, 0, 1])))), base);
  // tshark's rule (tshark.test.ts checks it against tshark itself): all three came within 3 ms of part 2,
  // which set the highest sequence number, so all three are out-of-order, the repeated part 0 too
  assert.equal(first!.pcap.retransmissions.client, 0);
  assert.equal(first!.pcap.outOfOrder.client, 3);
  assert.equal(first!.pcap.tls?.sni, 'localhost');
  assert.equal(first!.bytesSent, (await records(write(packets)))[0]!.bytesSent, 'unique bytes, not wire bytes');
});

test('a segment missing from the capture marks that handshake unparsable, keeps the TCP facts and the other connections', { timeout: 30_000 }, async () => {
  const [first, ...rest] = await records(write(withHelloParts([0, 2])));
  assert.match(first!.pcap.tls?.unparsable ?? '', /missing/);
  assert.equal(first!.pcap.firstClose?.side, 'client');
  assert.equal(first!.pcap.gaps.client, 1);
  assert.equal(rest.length, 2);
  assert.ok(rest.every((r) => r.tls?.resumed && !r.pcap.tls?.unparsable));
});

test('garbage where TLS is expected marks the connection unparsable', { timeout: 30_000 }, async () => {
  const hello = packets[firstHello]!;
  const garbled = Buffer.from(hello.ip);
  const p = garbled.length - payloadOf(hello.ip).length;
  // keep the record header and handshake type, scramble the ClientHello body lengths
  for (let i = p + 9; i < garbled.length; i++) garbled[i] = 0xff;
  const list = packets.map((x, i) => (i === firstHello ? { tsMs: x.tsMs, ip: garbled } : x));
  const [first, ...rest] = await records(write(list));
  assert.match(first!.pcap.tls?.unparsable ?? '', /malformed/);
  assert.equal(rest.length, 2);

  // a "TLS" stream whose second record header is nonsense
  const bad = Buffer.concat([hello.ip.subarray(0, p), Buffer.from([0x16, 0x03, 0x01, 0x00, 0x01, 0x01, 0x99, 0x99, 0x99, 0x99, 0x99])]);
  bad.writeUInt16BE(bad.length, 2);
  const [b] = await records(write(packets.map((x, i) => (i === firstHello ? { tsMs: x.tsMs, ip: bad } : x))));
  assert.match(b!.pcap.tls?.unparsable ?? '', /not a TLS record|malformed/);
});

test('a short snaplen loses payloads but keeps connections, closes and byte counts', { timeout: 30_000 }, async () => {
  const full = await records(write(packets));
  const cut = await records(write(packets, 80));
  assert.equal(cut.length, full.length);
  cut.forEach((c, i) => {
    assert.deepEqual(c.pcap.firstClose, full[i]!.pcap.firstClose);
    assert.equal(c.bytesSent, full[i]!.bytesSent);
    assert.equal(c.bytesReceived, full[i]!.bytesReceived);
    assert.ok(c.pcap.tls?.unparsable, 'the handshake could not be read');
  });
});

test('a capture that starts mid-connection still yields the connection, roles from the ClientHello', { timeout: 30_000 }, async () => {
  // drop the three-way handshake of the first connection
  const handshake = packets.slice(0, firstHello).map((p) => p.ip);
  const list = packets.filter((p) => !handshake.includes(p.ip));
  const [first] = await records(write(list));
  assert.equal(first!.pcap.midstream, true);
  assert.equal(first!.pcap.rolesFrom, 'content');
  assert.equal(first!.pcap.client, base[0]!.client);
  assert.equal(first!.pcap.tls?.sni, 'localhost');
});
