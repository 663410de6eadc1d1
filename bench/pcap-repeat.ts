/**
 * Makes an N-times larger capture from a pcap by repeating its packets, each copy shifted later in time
 * (run by hand, to check that memory stays flat as captures grow):
 *   npx tsx bench/pcap-repeat.ts IN.pcap OUT.pcap 4
 * Copy k (from 0) moves every IPv4 address of an Ethernet frame by k in its second byte (10.0.0.1 becomes
 * 10.k.0.1), with the IP and TCP checksums updated to match, so each copy's connections are new conversations
 * to tshark as to connscope: verbatim copies repeat the same port pairs and sequence numbers, which tshark takes
 * for retransmissions of the first copy's streams and does not dissect again (pcap-bench.ts's agreement check
 * then compared 7 × 1,426 ClientHellos with tshark's 1,425). Other frames are copied as they are.
 */
import { openSync, readSync, writeSync, closeSync, fstatSync } from 'node:fs';

const [input, output, timesArg] = process.argv.slice(2);
const times = Number(timesArg ?? 4);
if (!input || !output || !Number.isInteger(times) || times < 1 || times > 255) {
  process.stderr.write('usage: npx tsx bench/pcap-repeat.ts IN.pcap OUT.pcap N   (1 ≤ N ≤ 255)\n');
  process.exit(2);
}
const fd = openSync(input, 'r');
const data = Buffer.allocUnsafe(fstatSync(fd).size);
readSync(fd, data, 0, data.length, 0);
closeSync(fd);
if (data.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('little-endian µs pcap only');
const ethernet = (data.readUInt32LE(20) & 0x0fffffff) === 1;
const firstSec = data.readUInt32LE(24);
const lastSec = (() => {
  let pos = 24;
  let last = firstSec;
  while (pos + 16 <= data.length) {
    last = data.readUInt32LE(pos);
    pos += 16 + data.readUInt32LE(pos + 8);
  }
  return last;
})();
const span = lastSec - firstSec + 10;

/** RFC 1624 incremental update of a one's-complement checksum at `at` for one 16-bit word changed from `from` to `to`. */
function updateChecksum(b: Buffer, at: number, from: number, to: number): void {
  let sum = (~b.readUInt16BE(at) & 0xffff) + (~from & 0xffff) + to;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  b.writeUInt16BE(~sum & 0xffff, at);
}

/** Adds k to the second byte of an Ethernet/IPv4 frame's two addresses, keeping both checksums right. */
function shiftAddresses(b: Buffer, frame: number, caplen: number, k: number): void {
  if (caplen < 14 + 20 || b.readUInt16BE(frame + 12) !== 0x0800) return;
  const ip = frame + 14;
  const ihl = (b[ip]! & 15) * 4;
  if (ihl < 20 || 14 + ihl > caplen) return;
  const isTcp = b[ip + 9] === 6 && 14 + ihl + 18 <= caplen && (((b[ip + 6]! << 8) | b[ip + 7]!) & 0x1fff) === 0;
  for (const at of [ip + 12, ip + 16]) {
    const from = b.readUInt16BE(at);
    const to = (from & 0xff00) | ((from + k) & 0xff);
    b.writeUInt16BE(to, at);
    updateChecksum(b, ip + 10, from, to);
    // the TCP checksum covers the addresses through its pseudo-header
    if (isTcp) updateChecksum(b, ip + ihl + 16, from, to);
  }
}

const out = openSync(output, 'w');
writeSync(out, data.subarray(0, 24));
for (let k = 0; k < times; k++) {
  const copy = Buffer.from(data.subarray(24));
  for (let pos = 0; pos + 16 <= copy.length; pos += 16 + copy.readUInt32LE(pos + 8)) {
    copy.writeUInt32LE(copy.readUInt32LE(pos) + k * span, pos);
    if (k > 0 && ethernet) shiftAddresses(copy, pos + 16, copy.readUInt32LE(pos + 8), k);
  }
  writeSync(out, copy);
}
closeSync(out);
process.stdout.write(`${output}: ${times} copies${ethernet ? '' : ' (not Ethernet: addresses left as they are)'}\n`);
