// Instructions per request (client and server in one process) with the tracer off and on,
// counted by valgrind's callgrind: unlike req/s on a shared machine, the same program and inputs
// give the same count (within ~0.1 %), whatever else the machine runs. Run by hand (needs valgrind):
//   npx tsx bench/tracer-instructions.ts [--requests 20000] [--clients undici,http]
//     [--modes off,floor,rate0,rate0.1,tracer]   (tracer-base: set CONNSCOPE_BASE=<checkout>)
// V8 runs single-threaded and predictable (JIT and GC work lands on the counted thread in a fixed
// order) with a fixed heap: no memory reducer (its wall-clock timers, under valgrind's slowdown,
// made repeat runs of undici differ by 10 %), a 16 MB young generation (a small one scavenges every
// few dozen requests, and how much of the in-flight working set each scavenge catches then swung
// a mode's count by up to 25 %), and a 512 MB initial old space (no mark-compact in the window).
// Repeat runs then agree within ~0.1 %; what the window holds is the requests' own work plus the
// scavenges their allocations cause.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const argOf = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const requests = Number(argOf('requests', '20000'));
const clients = argOf('clients', 'undici,http').split(',');
const modes = argOf('modes', 'off,floor,rate0,rate0.1,tracer').split(',');
if (!modes.includes('off')) modes.unshift('off');
const child = fileURLToPath(new URL('./tracer-instructions-load.ts', import.meta.url));

/** One count; a run whose callgrind_control call failed (a loaded machine) is run again, up to 3 times. */
async function count(client: string, mode: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await countOnce(client, mode);
    } catch (err) {
      if (!(err instanceof ControlFailed) || attempt === 3) throw err;
      process.stderr.write(`${client}/${mode}: callgrind_control failed, running it again\n`);
    }
  }
}

class ControlFailed extends Error {}
/** Instructions per request below which a count cannot be a whole window (off is ~150k for undici, ~200k for node:http). */
const IMPOSSIBLE = 60_000;

function countOnce(client: string, mode: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', '--predictable', '--no-memory-reducer', '--min-semi-space-size=16', '--max-semi-space-size=16', '--initial-old-space-size=512', '--import', 'tsx', child, client, mode, String(requests)], { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', () => {
      const m = /Collected : (\d+)/.exec(err);
      if (err.includes('CALLGRIND_CONTROL_FAILED')) reject(new ControlFailed(`${client}/${mode}: callgrind_control failed`));
      // a switch that landed late without a failed call: no request of either client costs this little
      else if (m && Number(m[1]) / requests < IMPOSSIBLE) reject(new ControlFailed(`${client}/${mode}: ${Math.round(Number(m[1]) / requests)} instructions per request is not a whole window`));
      else if (m) resolve(Number(m[1]) / requests);
      else reject(new Error(`callgrind gave no count for ${client}/${mode}:\n${err.slice(-2000)}`));
    });
  });
}

const jobs = clients.flatMap((c) => modes.map((m) => [c, m] as const));
const results = new Map<string, number>();
// Two at a time by default (--parallel N): valgrind runs one thread per process, and the machine has two cores.
const parallel = Math.max(1, Number(argOf('parallel', '2')));
for (let i = 0; i < jobs.length; i += parallel) {
  await Promise.all(jobs.slice(i, i + parallel).map(async ([c, m]) => {
    const v = await count(c, m);
    results.set(`${c}/${m}`, v);
    process.stderr.write(`${c}/${m}: ${Math.round(v)} instructions per request\n`);
  }));
}
const rows = jobs.map(([c, m]) => {
  const v = results.get(`${c}/${m}`)!;
  const off = results.get(`${c}/off`)!;
  return { client: c, mode: m, instructionsPerRequest: Math.round(v), vsOff: +(v / off).toFixed(3), addedPerRequest: Math.round(v - off) };
});
console.table(rows);
console.log(JSON.stringify({ requests, results: rows }));
