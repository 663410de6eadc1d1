// Runs inside the network namespace of test/trace/packet-latency.test.ts, where tun-delay.py holds
// every packet between LOCAL (10.77.0.1) and PEER (10.77.0.2) for a fixed delay. Starts HTTP and
// HTTPS servers on LOCAL, reaches them through PEER with node:http(s) and undici (three fresh
// connections each), and prints what the tracer measured as one line of JSON.
import http from 'node:http';
import https from 'node:https';
import { Agent, request } from 'undici';
import { collect, until } from '../trace/collect.js';
import { get } from '../trace/httpget.js';
import { listen, testChain } from './servers.js';

const [LOCAL = '10.77.0.1', PEER = '10.77.0.2'] = process.argv.slice(2);
const CONNECTIONS = 3;

async function main(): Promise<void> {
  // On the TUN device's own address: the client reaches them through PEER.
  const plain = await listen(http.createServer((_req, res) => res.end('ok')), 'http', LOCAL);
  const { keyPem, chainPem, caPem } = await testChain();
  const tls = await listen(https.createServer({ key: keyPem, cert: chainPem, minVersion: 'TLSv1.3' }, (_req, res) => res.end('ok')), 'https', LOCAL);
  const t = collect();
  const out: Record<string, { connect: number[]; tls: number[]; serverConnections: number }> = {};
  const record = (key: string, from: number, served: { readonly connections: number }, before: number): void => {
    const conns = t.connections.slice(from);
    out[key] = {
      connect: conns.map((c) => c.establishment.connect ?? -1),
      tls: conns.map((c) => c.establishment.tls ?? -1),
      serverConnections: served.connections - before,
    };
  };
  try {
    let from = t.connections.length;
    let before = plain.connections;
    for (let i = 0; i < CONNECTIONS; i++) await get(`http://${PEER}:${plain.port}/`, { agent: new http.Agent({ keepAlive: false }) });
    await until(() => t.connections.length === from + CONNECTIONS, 5000, 'node:http connections');
    record('http', from, plain, before);

    from = t.connections.length;
    before = tls.connections;
    for (let i = 0; i < CONNECTIONS; i++) {
      await get(`https://${PEER}:${tls.port}/`, { agent: new https.Agent({ ca: caPem, servername: 'localhost', minVersion: 'TLSv1.3' }) });
    }
    await until(() => t.connections.length === from + CONNECTIONS, 5000, 'node:https connections');
    record('https', from, tls, before);

    for (const [key, served, url, connect] of [
      ['undici', plain, `http://${PEER}:${plain.port}/`, {}],
      ['undici-tls', tls, `https://${PEER}:${tls.port}/`, { ca: caPem, servername: 'localhost', minVersion: 'TLSv1.3' as const }],
    ] as const) {
      from = t.connections.length;
      before = served.connections;
      for (let i = 0; i < CONNECTIONS; i++) {
        const agent = new Agent({ connect });
        await (await request(url, { dispatcher: agent, headersTimeout: 5000, bodyTimeout: 5000 })).body.text();
        await agent.close();
      }
      await until(() => t.connections.length === from + CONNECTIONS, 5000, `${key} connections`);
      record(key, from, served, before);
    }
  } finally {
    t.stop();
    await plain.close();
    await tls.close();
  }
  process.stdout.write(JSON.stringify({ diagnostics: t.diagnostics.length, results: out }) + '\n');
}

const deadline = setTimeout(() => {
  process.stderr.write('tun-rtt-child: deadline of 30 s passed\n');
  process.exit(3);
}, 30_000);
deadline.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`tun-rtt-child: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
