import { run } from '../../src/cli/program.js';
import { captureIO } from '../helpers/cli-io.js';

/**
 * Runs one client (a bench engine, or probe) against each URL for `ms` and prints, per URL, how far
 * live memory (JS heap + array buffers, right after a GC, sampled every 200 ms) and the resident set
 * grew above what they were just before: the parent compares them with bounds a leak would break.
 * Live memory is what a kept buffer shows in; RSS alone also counts garbage not yet collected.
 * A child of its own so that the servers' buffers are not counted.
 * argv: client ms url...
 */
const [client, ms, ...urls] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc!;
const out: Array<{ url: string; liveMB: number; rssMB: number; code: number }> = [];
const live = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const mb = (n: number): number => Math.round(n / 1e5) / 10;
for (const url of urls) {
  const args = client === 'probe'
    ? ['probe', url, '-n', '1', '--timeout', `${ms}ms`]
    : ['bench', url, '-d', `${ms}ms`, '-c', '4', '--timeout', `${Number(ms) * 2}ms`, '--client', client!];
  // one short run first, so that loading the engine's modules is not counted as growth
  await run([...args.slice(0, 2), ...(client === 'probe' ? ['-n', '1', '--timeout', '200ms'] : ['-d', '200ms', '--client', client!])], captureIO());
  const liveBefore = live();
  const rssBefore = process.memoryUsage().rss;
  let livePeak = liveBefore;
  let rssPeak = rssBefore;
  const t = setInterval(() => {
    livePeak = Math.max(livePeak, live());
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 200);
  const code = await run(args, captureIO());
  clearInterval(t);
  out.push({ url, liveMB: mb(livePeak - liveBefore), rssMB: mb(rssPeak - rssBefore), code });
}
process.stdout.write(JSON.stringify(out));
