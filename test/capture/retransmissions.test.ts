import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeCapture } from '../../src/capture/index.js';
import type { PcapConnectionRecord } from '../../src/capture/pcap-record.js';
import { frame, tcpPacket, writePcap, type TcpPacketSpec } from './capture-builder.js';

function tsharkInstalled(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
const NO_TSHARK = tsharkInstalled() ? false : 'tshark not installed';

const dir = mkdtempSync(join(tmpdir(), 'connscope-retrans-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const C = '10.0.0.1';
const S = '10.0.0.2';
const c0 = 1000;
const c1 = c0 + 1;
const s0 = 5000;
const s1 = s0 + 1;

type Step = [tsMs: number, fromClient: boolean, spec: Omit<TcpPacketSpec, 'src' | 'dst' | 'sport' | 'dport'>];

/**
 * One connection whose every resend and reordering is known, with what tshark's rules make of each
 * (the expectation is this test's own: the events are placed so each rule decides one segment).
 * The initial RTT is 20 ms: most recent SYN (1000) → ACK (1020); a rule using the first SYN would get 1020 ms.
 */
const A: Step[] = [
  [0, true, { seq: c0, flags: 'S' }],
  [1000, true, { seq: c0, flags: 'S' }], // SYN retransmission (empty): retransmission
  [1010, false, { seq: s0, ack: c1, flags: 'SA' }],
  [1020, true, { seq: c1, ack: s1, flags: 'A' }],
  [1030, true, { seq: c1, ack: s1, flags: 'PA', payload: 100 }],
  [1031, true, { seq: c1 + 200, ack: s1, flags: 'PA', payload: 100 }], // a hole at c1+100
  [1032, true, { seq: c1 + 100, ack: s1, flags: 'PA', payload: 100 }], // 1 ms later, fills it: out-of-order
  [1040, false, { seq: s1, ack: c1 + 300, flags: 'A' }],
  // within the RTT of the highest segment, but already acknowledged: spurious (tshark checks that first), not out-of-order
  [1045, true, { seq: c1 + 100, ack: s1, flags: 'PA', payload: 100 }],
  [1100, true, { seq: c1 + 100, ack: s1, flags: 'PA', payload: 100 }], // already acknowledged: spurious retransmission
  // c1+300 is lost before the capture point; three duplicate ACKs ask for it
  [1200, true, { seq: c1 + 400, ack: s1, flags: 'PA', payload: 100 }],
  [1201, true, { seq: c1 + 500, ack: s1, flags: 'PA', payload: 100 }],
  [1202, true, { seq: c1 + 600, ack: s1, flags: 'PA', payload: 100 }],
  [1205, false, { seq: s1, ack: c1 + 300, flags: 'A' }],
  [1206, false, { seq: s1, ack: c1 + 300, flags: 'A' }],
  [1207, false, { seq: s1, ack: c1 + 300, flags: 'A' }],
  [1210, true, { seq: c1 + 300, ack: s1, flags: 'PA', payload: 100 }], // fast retransmission
  [1215, false, { seq: s1, ack: c1 + 700, flags: 'A' }],
  [1300, true, { seq: c1 + 700, ack: s1, flags: 'PA', payload: 100 }],
  [1600, true, { seq: c1 + 700, ack: s1, flags: 'PA', payload: 100 }], // timeout: retransmission
  [1610, false, { seq: s1, ack: c1 + 800, flags: 'A' }],
  [5000, true, { seq: c1 + 799, ack: s1, flags: 'A' }], // keep-alive: none of them
  [5001, false, { seq: s1, ack: c1 + 800, flags: 'A' }],
  [6000, true, { seq: c1 + 900, ack: s1, flags: 'PA', payload: 100 }], // a hole at c1+800…
  [6100, true, { seq: c1 + 800, ack: s1, flags: 'PA', payload: 100 }], // …filled 100 ms (> RTT) later: retransmission
  [6105, false, { seq: s1, ack: c1 + 1000, flags: 'A' }],
  [6200, false, { seq: s1 + 50, ack: c1 + 1000, flags: 'PA', payload: 50 }],
  [6201, false, { seq: s1, ack: c1 + 1000, flags: 'PA', payload: 50 }], // server side: out-of-order
  [6210, true, { seq: c1 + 1000, ack: s1 + 100, flags: 'A' }],
  [7000, true, { seq: c1 + 1000, ack: s1 + 100, flags: 'FA' }],
  [7300, true, { seq: c1 + 1000, ack: s1 + 100, flags: 'FA' }], // FIN retransmission (empty): retransmission
  [7310, false, { seq: s1 + 101, ack: c1 + 1001, flags: 'A' }], // the server's ACK after its FIN overtook the FIN…
  [7311, false, { seq: s1 + 100, ack: c1 + 1001, flags: 'FA' }], // …which ends exactly at the highest seq: retransmission, not out-of-order
  [7320, true, { seq: c1 + 1001, ack: s1 + 101, flags: 'A' }],
];

/** A connection already open when the capture began: no RTT known, so tshark's out-of-order window is 3 ms. */
const x = 900_000;
const B: Step[] = [
  [8000, true, { seq: x, ack: 77, flags: 'PA', payload: 100 }],
  [8000.5, true, { seq: x + 200, ack: 77, flags: 'PA', payload: 100 }],
  [8002, true, { seq: x + 100, ack: 77, flags: 'PA', payload: 100 }], // 1.5 ms after the highest: out-of-order
  [8010, true, { seq: x + 100, ack: 77, flags: 'PA', payload: 100 }], // 9.5 ms after, not acknowledged: retransmission
];

const EXPECTED = {
  a: { retransmissions: { client: 7, server: 1 }, outOfOrder: { client: 1, server: 1 } },
  b: { retransmissions: { client: 1, server: 0 }, outOfOrder: { client: 1, server: 0 } },
};

function capture(): Buffer {
  const frames = [
    ...A.map(([ts, fromClient, spec]) => ({ ts, ip: tcpPacket({ ...spec, src: fromClient ? C : S, dst: fromClient ? S : C, sport: fromClient ? 40000 : 80, dport: fromClient ? 80 : 40000 }) })),
    ...B.map(([ts, fromClient, spec]) => ({ ts, ip: tcpPacket({ ...spec, src: fromClient ? C : S, dst: fromClient ? S : C, sport: fromClient ? 40001 : 80, dport: fromClient ? 80 : 40001 }) })),
  ].sort((p, q) => p.ts - q.ts);
  return writePcap(frames.map((f) => ({ tsMs: 1_700_000_000_000 + f.ts, data: frame(f.ip, 'ethernet') })), { linkType: 1, nanos: true });
}

interface Counts {
  retransmissions: { client: number; server: number };
  outOfOrder: { client: number; server: number };
}

/** tshark's flags per packet, summed per connection (by client port) and side. */
function tsharkCounts(file: string): Promise<{ byPort: Map<number, Counts>; fast: number; spurious: number }> {
  const fields = ['tcp.srcport', 'tcp.dstport', 'tcp.analysis.retransmission', 'tcp.analysis.out_of_order', 'tcp.analysis.fast_retransmission', 'tcp.analysis.spurious_retransmission'];
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-r', file, '-n', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { timeout: 60_000 }, (err, stdout) => {
      if (err) return reject(err);
      const byPort = new Map<number, Counts>();
      let fast = 0;
      let spurious = 0;
      for (const line of stdout.split('\n')) {
        if (!line) continue;
        const [sport, dport, retrans, ooo, f, s] = line.split('\t');
        const fromClient = Number(dport) === 80;
        const port = fromClient ? Number(sport) : Number(dport);
        const c = byPort.get(port) ?? { retransmissions: { client: 0, server: 0 }, outOfOrder: { client: 0, server: 0 } };
        const side = fromClient ? 'client' : 'server';
        if (retrans) c.retransmissions[side]++;
        if (ooo) c.outOfOrder[side]++;
        if (f) fast++;
        if (s) spurious++;
        byPort.set(port, c);
      }
      resolve({ byPort, fast, spurious });
    });
  });
}

async function connscopeCounts(input: Buffer | string): Promise<Map<number, Counts>> {
  const s = await analyzeCapture(input);
  const out = new Map<number, Counts>();
  for (const r of s.connections.values() as Iterable<PcapConnectionRecord>) {
    out.set(Number(r.pcap.client.split(':').pop()), { retransmissions: r.pcap.retransmissions, outOfOrder: r.pcap.outOfOrder });
  }
  return out;
}

test('retransmissions and out-of-order as the test built them: SYN/FIN resends count, keep-alives do not', { timeout: 30_000 }, async () => {
  const counts = await connscopeCounts(capture());
  assert.deepEqual(counts.get(40000), EXPECTED.a);
  assert.deepEqual(counts.get(40001), EXPECTED.b);
  const s = await analyzeCapture(capture());
  assert.equal(s.summary.retransmissions, 9);
  assert.equal(s.summary.outOfOrder, 3);
});

test('the same counts as tshark (tcp.analysis.retransmission, tcp.analysis.out_of_order), per connection and side', { timeout: 60_000, skip: NO_TSHARK }, async () => {
  const file = join(dir, 'retrans.pcap');
  writeFileSync(file, capture());
  const [t, c] = await Promise.all([tsharkCounts(file), connscopeCounts(file)]);
  assert.deepEqual(c.get(40000), t.byPort.get(40000));
  assert.deepEqual(c.get(40001), t.byPort.get(40001));
  // tshark marks fast and spurious retransmissions tcp.analysis.retransmission too (docs/pcap.md says so)
  assert.equal(t.fast, 1);
  assert.equal(t.spurious, 2);
});
