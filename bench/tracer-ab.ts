// In-process A/B of the tracer's cost: one client process alternates short slices with the tracer
// off and on (instrument() / stop()), so machine-load drift hits both alike. Run by hand:
//   npx tsx bench/tracer-ab.ts <undici|http> [sampleRate|floor] [slices]
// Prints client CPU µs per request off vs on (medians over slices).
import { spawn } from 'node:child_process';
import dc from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import { instrument } from '../src/trace/index.js';
import { keepAliveClient, subscribeEmpty, TRACER_CHANNELS } from './keepalive-client.js';
import { median } from './median.js';

const client = process.argv[2] ?? 'undici';
// 'floor' instead of a rate: empty subscribers on the tracer's channels, nothing else — what Node
// and undici spend publishing messages once anyone listens (no tracer can cost less).
const floor = process.argv[3] === 'floor';
const rate = floor ? 0 : Number(process.argv[3] ?? 1);
const slices = Number(process.argv[4] ?? 16);
const sliceMs = 400;
const concurrency = 50;

const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./tracer-server.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => server.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port)));
try {
  const { once, close } = await keepAliveClient(client, port, concurrency);
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
    const unsubscribe = subscribeEmpty(dc, floor ? TRACER_CHANNELS[client === 'undici' ? 'undici' : 'http'] : []);
    const t = floor ? undefined : instrument({ sampleRate: rate });
    t?.on('request', () => {});
    on.push(await slice(sliceMs));
    t?.stop();
    unsubscribe();
  }
  const ratios = on.map((v, i) => v / off[i]!);
  console.log(JSON.stringify({ client, sampleRate: floor ? 'floor' : rate, offUs: +median(off).toFixed(2), onUs: +median(on).toFixed(2), medianCpuRatio: +median(ratios).toFixed(3) }));
  await close();
} finally {
  server.kill();
}
