// In-process A/B of the tracer's cost: one client process alternates short slices with the tracer
// off and on (instrument() / stop()), so machine-load drift hits both alike. Run by hand:
//   npx tsx bench/tracer-ab.ts <undici|http> [sampleRate|floor] [slices]
// Prints client CPU µs per request off vs on (medians over slices).
import { spawn } from 'node:child_process';
import http from 'node:http';
import dc from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { instrument } from '../src/trace/index.js';

const client = process.argv[2] ?? 'undici';
// 'floor' instead of a rate: empty subscribers on the tracer's channels, nothing else — what Node
// and undici spend publishing messages once anyone listens (no tracer can cost less).
const floor = process.argv[3] === 'floor';
const rate = floor ? 0 : Number(process.argv[3] ?? 1);
const UNDICI_CHANNELS = ['undici:request:create', 'undici:client:beforeConnect', 'undici:client:connected', 'undici:client:connectError', 'undici:client:sendHeaders', 'undici:request:bodySent', 'undici:request:headers', 'undici:request:trailers', 'undici:request:error'];
const HTTP_CHANNELS = ['http.client.request.start', 'http.client.response.finish', 'http.client.request.error'];
const slices = Number(process.argv[4] ?? 16);
const sliceMs = 400;
const concurrency = 50;

const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./tracer-server.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => server.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port)));
try {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const once = client === 'undici'
    ? async (): Promise<void> => {
        const res = await pool.request({ path: '/', method: 'GET' });
        await res.body.dump();
      }
    : (): Promise<void> =>
        new Promise((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', reject);
          req.end();
        });
  const slice = async (ms: number): Promise<number> => {
    let n = 0;
    const cpu0 = process.cpuUsage();
    const until = Date.now() + ms;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        await once();
        n++;
      }
    }));
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / n;
  };
  await slice(1000);
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < slices; i++) {
    off.push(await slice(sliceMs));
    const names = floor ? (client === 'undici' ? UNDICI_CHANNELS : HTTP_CHANNELS) : [];
    // One distinct function per channel, as a real subscriber has (a single shared function would
    // let V8 inline it into publish and drop the message objects).
    const noops = names.map(() => new Function('msg', 'return msg === null') as (m: unknown) => void);
    names.forEach((n, i) => dc.subscribe(n, noops[i]!));
    const t = floor ? undefined : instrument({ sampleRate: rate });
    t?.on('request', () => {});
    on.push(await slice(sliceMs));
    t?.stop();
    names.forEach((n, i) => dc.unsubscribe(n, noops[i]!));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const ratios = on.map((v, i) => v / off[i]!);
  console.log(JSON.stringify({ client, sampleRate: floor ? 'floor' : rate, offUs: +median(off).toFixed(2), onUs: +median(on).toFixed(2), medianCpuRatio: +median(ratios).toFixed(3) }));
  await pool.close();
  agent.destroy();
} finally {
  server.kill();
}
