/**
 * How close are probe's connect / tls / wait to the truth? Run by hand: `npx tsx bench/probe-accuracy.ts`.
 *
 * An https server answers after a fixed SERVER_DELAY_MS; a latency proxy in front adds DELAY_MS to every chunk in
 * each direction (one round trip = 2 × DELAY_MS). Injected truth, on top of the same path without the proxy:
 *   tls  (TLS 1.3, one round trip)          = 2 × DELAY_MS
 *   wait (request → first byte, one RTT)    = 2 × DELAY_MS + SERVER_DELAY_MS
 *   connect                                 = not delayed: a user-space proxy cannot delay the TCP handshake
 *                                             (the kernel completes it before the proxy sees the connection)
 * probe and `curl -w` (time_connect, time_appconnect, time_starttransfer) measure the same target in the same run,
 * alternating, RUNS times each; medians are reported, plus the direct (no proxy) baseline that is subtracted.
 */
import https from 'node:https';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { makeCertChain } from '../src/lab/certs.js';
import { startLatencyProxy } from '../src/lab/latency-proxy.js';
import { probe } from '../src/probe/index.js';
import { median } from './median.js';

const DELAY_MS = Number(process.env.DELAY_MS ?? 25);
const SERVER_DELAY_MS = Number(process.env.SERVER_DELAY_MS ?? 40);
const RUNS = Number(process.env.RUNS ?? 7);
const run = promisify(execFile);

interface Sample { connect: number; tls: number; wait: number }

async function probeOnce(port: number, ca: string): Promise<Sample> {
  const r = await probe(`https://localhost:${port}/`, { ca, requests: 1, timeoutMs: 10_000, resolve: [`localhost:${port}:127.0.0.1`] });
  if (r.error) throw new Error(r.error.message);
  const p = r.requests[0]!.phases;
  // send is part of curl's starttransfer - appconnect; add it so both mean "secure → first byte"
  return { connect: p.connect ?? NaN, tls: p.tls ?? NaN, wait: (p.send ?? 0) + (p.wait ?? NaN) };
}

async function curlOnce(port: number, caFile: string): Promise<Sample> {
  const { stdout } = await run('curl', [
    '-sS', '-o', '/dev/null', '--http1.1', '--cacert', caFile, '--resolve', `localhost:${port}:127.0.0.1`, '--max-time', '10',
    '-w', '%{time_connect} %{time_appconnect} %{time_starttransfer}', `https://localhost:${port}/`,
  ]);
  const [connect, appconnect, start] = stdout.trim().split(' ').map((s) => Number(s) * 1000) as [number, number, number];
  return { connect, tls: appconnect - connect, wait: start - appconnect };
}

async function measure(port: number, ca: string, caFile: string): Promise<{ probe: Sample; curl: Sample }> {
  const ps: Sample[] = [];
  const cs: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    ps.push(await probeOnce(port, ca));
    cs.push(await curlOnce(port, caFile));
  }
  const med = (xs: Sample[]): Sample => ({ connect: median(xs.map((x) => x.connect)), tls: median(xs.map((x) => x.tls)), wait: median(xs.map((x) => x.wait)) });
  return { probe: med(ps), curl: med(cs) };
}

const dir = mkdtempSync(join(tmpdir(), 'connscope-accuracy-'));
const chain = await makeCertChain();
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, chain.caPem);
const server = https.createServer({ key: chain.keyPem, cert: chain.chainPem }, (_q, res) => {
  setTimeout(() => res.end('ok'), SERVER_DELAY_MS);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
const proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: port, delayMs: DELAY_MS });
try {
  const direct = await measure(port, chain.caPem, caFile);
  const delayed = await measure(proxy.port, chain.caPem, caFile);
  const truth = { tls: 2 * DELAY_MS, wait: 2 * DELAY_MS + SERVER_DELAY_MS };
  const fmt = (n: number): string => n.toFixed(2).padStart(8);
  console.log(`probe accuracy: proxy +${DELAY_MS} ms each way, server delay ${SERVER_DELAY_MS} ms, ${RUNS} runs each (medians, ms)`);
  console.log('phase     truth    probe     curl   probe/truth  curl/truth   (direct baseline probe / curl)');
  for (const phase of ['tls', 'wait'] as const) {
    // what the proxy added over the direct path; the server delay is in both, so it is added back for wait
    const p = delayed.probe[phase] - direct.probe[phase] + (phase === 'wait' ? SERVER_DELAY_MS : 0);
    const c = delayed.curl[phase] - direct.curl[phase] + (phase === 'wait' ? SERVER_DELAY_MS : 0);
    console.log(`${phase.padEnd(6)}${fmt(truth[phase])} ${fmt(p)} ${fmt(c)}   ${(p / truth[phase]).toFixed(3).padStart(8)}    ${(c / truth[phase]).toFixed(3).padStart(8)}     (${direct.probe[phase].toFixed(2)} / ${direct.curl[phase].toFixed(2)})`);
  }
  console.log(`connect   (not injectable) probe ${delayed.probe.connect.toFixed(2)}  curl ${delayed.curl.connect.toFixed(2)}  (direct ${direct.probe.connect.toFixed(2)} / ${direct.curl.connect.toFixed(2)})`);
  console.log('raw:', JSON.stringify({ direct, delayed }));
} finally {
  await proxy.close();
  server.close();
  server.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
}
