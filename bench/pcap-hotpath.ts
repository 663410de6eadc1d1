/**
 * The packet hot path in isolation (run by hand): the capture is loaded into memory first, then each stage
 * runs over the same 1 MiB chunks, best of 7:
 *   npx tsx bench/pcap-hotpath.ts /tmp/connscope-pcap-bench.pcap
 * read    = file format only (record headers, timestamps)
 * decode  = + link, IP and TCP headers
 * flows   = + connection table, sequence tracking, reassembly, TLS handshake parsing
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { decodeTcp, newSegment } from '../src/capture/decode.js';
import { FlowTable } from '../src/capture/flow-table.js';
import type { PacketSink } from '../src/capture/packet-sink.js';
import { PcapReader } from '../src/capture/pcap-reader.js';
import { PcapngReader } from '../src/capture/pcapng-reader.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npx tsx bench/pcap-hotpath.ts CAPTURE\n');
  process.exit(2);
}
const fd = openSync(file, 'r');
const size = fstatSync(fd).size;
const chunks: Buffer[] = [];
for (let pos = 0; pos < size; pos += 1 << 20) {
  const b = Buffer.allocUnsafe(Math.min(1 << 20, size - pos));
  readSync(fd, b, 0, b.length, pos);
  chunks.push(b);
}
closeSync(fd);
const mb = size / 1048576;
const REPS = 7;

function pass(sink: PacketSink): number {
  const reader = chunks[0]!.readUInt32LE(0) === 0x0a0d0d0a ? new PcapngReader(sink) : new PcapReader(sink);
  const t0 = performance.now();
  for (const c of chunks) reader.feed(c);
  reader.end();
  return performance.now() - t0;
}

function best(run: () => number): number {
  let b = Infinity;
  for (let i = 0; i < REPS; i++) b = Math.min(b, run());
  return b;
}

let packets = 0;
const read = best(() => pass(() => void packets++));
const seg = newSegment();
let tcp = 0;
const decode = best(() => pass((buf, s, e, _ts, link) => {
  if (decodeTcp(buf, s, e, link, seg) === null) tcp++;
}));
let conns = 0;
const flows = best(() => {
  const table = new FlowTable({ onConnection: () => void conns++ });
  const ms = pass((buf, s, e, ts, link) => table.packet(buf, s, e, ts, link));
  table.finishAll();
  return ms;
});
const row = (ms: number): { ms: number; MBps: number; Mpps: number } => ({ ms: Math.round(ms), MBps: Math.round(mb / (ms / 1000)), Mpps: Math.round((packets / REPS / (ms / 1000)) / 1e4) / 100 });
process.stdout.write(JSON.stringify({ file, sizeMB: Math.round(mb), packets: packets / REPS, tcpPackets: tcp / REPS, read: row(read), decode: row(decode), flows: row(flows), connections: conns / REPS }, null, 2) + '\n');
