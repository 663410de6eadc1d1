/**
 * connscope's retransmission and out-of-order counts against tshark's, per endpoint (run by hand; make a
 * capture with bench/pcap-lossy-capture.sh or use any capture):
 *   npx tsx bench/pcap-retrans-compare.ts CAPTURE
 * tshark: segments marked tcp.analysis.retransmission / tcp.analysis.out_of_order, summed by sender.
 */
import { execFileSync } from 'node:child_process';
import { analyzeCapture } from '../src/capture/index.js';
import type { PcapConnectionRecord } from '../src/capture/pcap-record.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npx tsx bench/pcap-retrans-compare.ts CAPTURE\n');
  process.exit(2);
}
const out = execFileSync('tshark', ['-r', file, '-n', '-Y', 'tcp.analysis.retransmission or tcp.analysis.out_of_order', '-T', 'fields',
  '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'tcp.analysis.retransmission', '-e', 'tcp.analysis.out_of_order'],
{ maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
type Counts = { retransmissions: number; outOfOrder: number };
const tshark = new Map<string, Counts>();
for (const line of out.split('\n')) {
  if (!line) continue;
  const [v4, v6, port, r, o] = line.split('\t');
  const key = `${v4 || v6}:${port}`;
  const c = tshark.get(key) ?? { retransmissions: 0, outOfOrder: 0 };
  if (r) c.retransmissions++;
  if (o) c.outOfOrder++;
  tshark.set(key, c);
}
const session = await analyzeCapture(file);
const connscope = new Map<string, Counts>();
for (const r of session.connections.values() as Iterable<PcapConnectionRecord>) {
  for (const side of ['client', 'server'] as const) {
    const key = r.pcap[side];
    const c = connscope.get(key) ?? { retransmissions: 0, outOfOrder: 0 };
    c.retransmissions += r.pcap.retransmissions[side];
    c.outOfOrder += r.pcap.outOfOrder[side];
    connscope.set(key, c);
  }
}
const total = (m: Map<string, Counts>): Counts => [...m.values()].reduce((a, c) => ({ retransmissions: a.retransmissions + c.retransmissions, outOfOrder: a.outOfOrder + c.outOfOrder }), { retransmissions: 0, outOfOrder: 0 });
const differ = [...new Set([...tshark.keys(), ...connscope.keys()])].filter((k) => {
  const a = tshark.get(k) ?? { retransmissions: 0, outOfOrder: 0 };
  const b = connscope.get(k) ?? { retransmissions: 0, outOfOrder: 0 };
  return a.retransmissions !== b.retransmissions || a.outOfOrder !== b.outOfOrder;
});
process.stdout.write(JSON.stringify({ file, connections: session.summary.connections, tshark: total(tshark), connscope: total(connscope), endpointsThatDiffer: differ.slice(0, 20) }, null, 2) + '\n');
