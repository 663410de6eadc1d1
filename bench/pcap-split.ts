/**
 * Would a second thread make `connscope pcap` faster? (run by hand; issue 16's "a worker per core split by flow
 * hash"). Times, in fresh processes, the capture's packet loop and connection records (the part a split would
 * share out) two ways, interleaved round by round:
 *   single = the main thread reads the file and runs the flow table over every packet, as connscope does;
 *   split  = a worker_thread is started first; then each thread reads the whole file and decodes every packet's
 *            headers, but runs the flow table (reassembly, TLS, records) only for the connections whose flow hash
 *            falls on its side; the main thread then waits for the worker's records (structured clone).
 * What a real split would also need (merging the records in one order, ids, the summary) is not done: this is
 * a lower bound of its cost. Needs a build (`npm run build`, or `--built DIR` with tsc output):
 *   npx tsx bench/pcap-split.ts /tmp/connscope-pcap-bench.pcap [rounds=5] [--built DIR]
 * Prints per mode the medians of wall time since the process started, the process's CPU time, and for the split
 * when the worker began its loop and how long the main thread then waited for it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './median.js';

const file = process.argv[2];
if (!file || file.startsWith('--')) {
  process.stderr.write('usage: npx tsx bench/pcap-split.ts CAPTURE [rounds=5] [--built DIR]\n');
  process.exit(2);
}
const rounds = /^\d+$/.test(process.argv[3] ?? '') ? Number(process.argv[3]) : 5;
const builtAt = process.argv.indexOf('--built');
const built = resolve(builtAt > 0 ? process.argv[builtAt + 1]! : 'dist');
if (!existsSync(join(built, 'capture', 'flow-table.js'))) throw new Error(`no ${built}/capture/flow-table.js: npm run build first`);
const cap = (name: string): string => JSON.stringify(pathToFileURL(join(built, 'capture', name)).href);

// plain JavaScript, run by plain node: what a shipped CLI would do, without tsx's loader in either thread
const child = `
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
const mode = isMainThread ? process.argv[2] : 'worker';
const file = isMainThread ? process.argv[3] : workerData.file;
// started before anything else is loaded: its isolate and imports overlap the main thread's
const worker = mode === 'split' ? new Worker(new URL(import.meta.url), { workerData: { file, origin: performance.timeOrigin } }) : undefined;
const { FlowTable } = await import(${cap('flow-table.js')});
const { decodeTcp, newSegment } = await import(${cap('decode.js')});
const { PcapReader } = await import(${cap('pcap-reader.js')});
const { connectionRecord } = await import(${cap('to-records.js')});

function run(side) {
  const seg = newSegment();
  const records = [];
  const clock = { originEpochMs: 0, idleCloseMs: 250 };
  const table = new FlowTable({ onConnection: (c) => records.push(connectionRecord(c, clock)) });
  const sink = side < 0
    ? (b, s, e, ts, l) => { if (table.firstTs === undefined) clock.originEpochMs = ts; table.packet(b, s, e, ts, l); }
    : (b, s, e, ts, l) => {
        if (table.firstTs === undefined) clock.originEpochMs = ts;
        if (decodeTcp(b, s, e, l, seg) !== null) return table.packet(b, s, e, ts, l);
        // the same side for both directions of a connection: a symmetric mix of the two endpoints
        const a = seg.srcKey, d = seg.dstKey;
        const h = typeof a === 'number' && typeof d === 'number'
          ? (Math.floor(a / 65536) ^ Math.floor(d / 65536)) ^ ((a % 65536) ^ (d % 65536))
          : String(a).length ^ String(d).length;
        if ((Math.imul(h, 0x9e3779b1) >>> 31) === side) table.packet(b, s, e, ts, l);
      };
  const reader = new PcapReader(sink);
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(4 << 20);
  for (let at = 0; at < size;) {
    const n = readSync(fd, buf, 0, buf.length, at);
    if (n === 0) break;
    at += n;
    reader.feed(buf.subarray(0, n));
  }
  closeSync(fd);
  reader.end();
  table.finishAll();
  return records;
}

if (mode === 'worker') {
  const startedMs = performance.timeOrigin + performance.now() - workerData.origin;
  const records = run(1);
  parentPort.postMessage({ records, startedMs });
} else {
  const records = run(mode === 'split' ? 0 : -1);
  const loopEndMs = performance.now();
  let workerStartedMs, connections = records.length;
  if (worker) {
    const m = await new Promise((res, rej) => { worker.once('message', res); worker.once('error', rej); });
    workerStartedMs = m.startedMs;
    connections += m.records.length;
  }
  const end = performance.now();
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ mode, connections, wallMs: end, cpuMs: (cpu.user + cpu.system) / 1000, mainLoopEndMs: loopEndMs, waitedMs: end - loopEndMs, workerStartedMs }) + '\\n');
  process.exit(0);
}
`;

const dir = mkdtempSync(join(tmpdir(), 'connscope-pcap-split-'));
const script = join(dir, 'split-child.mjs');
writeFileSync(script, child);

interface Result { mode: string; connections: number; wallMs: number; cpuMs: number; mainLoopEndMs: number; waitedMs: number; workerStartedMs?: number }
const once = (mode: string): Promise<Result> => new Promise((res, rej) => {
  execFile(process.execPath, [script, mode, file], { maxBuffer: 1 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
    if (err) return rej(new Error(`${mode}: ${stderr.slice(-400)}`));
    res(JSON.parse(stdout) as Result);
  });
});

const loadBefore = loadavg().map((x) => Math.round(x * 10) / 10);
const results: Record<'single' | 'split', Result[]> = { single: [], split: [] };
try {
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['single', 'split'] as const) results[mode].push(await once(mode));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const medianMs = (xs: number[]): number => Math.round(median(xs));
const summary = (rs: Result[]): Record<string, unknown> => ({
  connections: rs[0]!.connections,
  wallMs: medianMs(rs.map((r) => r.wallMs)),
  cpuMs: medianMs(rs.map((r) => r.cpuMs)),
  mainLoopEndMs: medianMs(rs.map((r) => r.mainLoopEndMs)),
  ...(rs[0]!.workerStartedMs !== undefined ? { workerStartedMs: medianMs(rs.map((r) => r.workerStartedMs!)), mainWaitedForWorkerMs: medianMs(rs.map((r) => r.waitedMs)) } : {}),
  wallMsEachRound: rs.map((r) => Math.round(r.wallMs)),
});
process.stdout.write(JSON.stringify({ file, rounds, built, loadAverage: { before: loadBefore, after: loadavg().map((x) => Math.round(x * 10) / 10) }, single: summary(results.single), split: summary(results.split) }, null, 2) + '\n');
