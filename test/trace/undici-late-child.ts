/**
 * Run in a fresh process by undici-late.test.ts: the tracer starts before anything has loaded undici
 * (importing the tracer must not load it), then the app loads undici and queues on a Pool.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { instrument } from '../../src/trace/index.js';
import type { RequestTrace } from '../../src/model/request.js';

const require = createRequire(import.meta.url);
const undiciLoaded = (): boolean => require.cache[require.resolve('undici')] !== undefined;
const loadedByTracer = undiciLoaded();

const server = http.createServer((req, res) => setTimeout(() => res.end('ok'), 100));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const tracer = instrument();
const requests: RequestTrace[] = [];
tracer.on('request', (r) => requests.push(r));

const { Pool } = await import('undici');
const pool = new Pool(origin, { connections: 1 });
const go = (path: string): Promise<string> => pool.request({ path, method: 'GET' }).then((r) => r.body.text());
await Promise.all([go('/a'), go('/b'), go('/c')]);
const end = Date.now() + 3000;
while (requests.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
await pool.close();
tracer.stop();
server.close();
const blocked = Object.fromEntries(requests.map((r) => [r.path, r.phases.blocked ?? null]));
process.stdout.write(JSON.stringify({ loadedByTracer, requests: requests.length, blocked }));
