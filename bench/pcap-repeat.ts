/**
 * Makes an N-times larger capture from a pcap by repeating its packets, each copy shifted later in time
 * (run by hand, to check that memory stays flat as captures grow):
 *   npx tsx bench/pcap-repeat.ts IN.pcap OUT.pcap 4
 * Port pairs repeat, so each copy's connections start again with a SYN on a closed port pair.
 */
import { openSync, readSync, writeSync, closeSync, fstatSync } from 'node:fs';

const [input, output, timesArg] = process.argv.slice(2);
const times = Number(timesArg ?? 4);
if (!input || !output || !Number.isInteger(times) || times < 1) {
  process.stderr.write('usage: npx tsx bench/pcap-repeat.ts IN.pcap OUT.pcap N\n');
  process.exit(2);
}
const fd = openSync(input, 'r');
const data = Buffer.allocUnsafe(fstatSync(fd).size);
readSync(fd, data, 0, data.length, 0);
closeSync(fd);
if (data.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('little-endian µs pcap only');
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
const out = openSync(output, 'w');
writeSync(out, data.subarray(0, 24));
for (let k = 0; k < times; k++) {
  const copy = Buffer.from(data.subarray(24));
  for (let pos = 0; pos + 16 <= copy.length; pos += 16 + copy.readUInt32LE(pos + 8)) copy.writeUInt32LE(copy.readUInt32LE(pos) + k * span, pos);
  writeSync(out, copy);
}
closeSync(out);
process.stdout.write(`${output}: ${times} copies\n`);
