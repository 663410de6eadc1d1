// Instructions per request (client and server in one process) with the tracer off and on,
// counted by valgrind's callgrind: unlike req/s on a shared machine, the same program and inputs
// give the same count (within ~0.1 %), whatever else the machine runs. Run by hand (needs valgrind):
//   npx tsx bench/tracer-instructions.ts [--requests 20000] [--warm-up 4000] [--clients undici,http] [--parallel 2]
//     [--modes off,floor,production,rate0.1,tracer] [--repeat N]   (tracer-base: set CONNSCOPE_BASE=<checkout>;
//     tracer-both, otel, otel-both: full tracing against OpenTelemetry, see bench/otel.ts)
// The per-request figure leaves out V8's compilers (see bench/README.md).
// V8 runs single-threaded and predictable (JIT and GC work lands on the counted thread in a fixed
// order) with a fixed heap: no memory reducer (its wall-clock timers, under valgrind's slowdown,
// made repeat runs of undici differ by 10 %), a 16 MB young generation (a small one scavenges every
// few dozen requests, and how much of the in-flight working set each scavenge catches then swung
// a mode's count by up to 25 %), and a 512 MB initial old space (no mark-compact in the window).
// The child empties the young generation right before its first request (--expose-gc): a scavenge
// that fell while the first 50 connections were opening made V8 pretenure node:http's per-request
// objects for the rest of the run (bench/README.md, "Pretenuring").
// Repeat runs then agree within ~0.1 %; what the window holds is the requests' own work plus the
// scavenges their allocations cause.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './median.js';

const argOf = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const requests = Number(argOf('requests', '20000'));
// Requests before the window (instrumentation switched on halfway). A path taken by one request in ten
// (a traced request at sampleRate 0.1) is still running unoptimised code after the default 4,000: a longer
// warm-up measures the steady state of such modes (bench/README.md).
const warmUp = Number(argOf('warm-up', '4000'));
const clients = argOf('clients', 'undici,http').split(',');
const modes = argOf('modes', 'off,floor,production,rate0.1,tracer').split(',');
if (!modes.includes('off')) modes.unshift('off');
const child = fileURLToPath(new URL('./tracer-instructions-load.ts', import.meta.url));
// --repeat N: every mode N times, each repetition with its own heap layout (layout-pad.ts) shared by
// all modes; ratios are paired within a repetition and the median is reported (bench/README.md, "Layouts").
const repeat = Math.max(1, Number(argOf('repeat', '1')));

/** One count; a run whose callgrind_control call failed (a loaded machine) is run again, up to 3 times. */
async function count(client: string, mode: string, pad: number): Promise<Count> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await countOnce(client, mode, pad);
    } catch (err) {
      if (!(err instanceof ControlFailed) || attempt === 3) throw err;
      process.stderr.write(`${client}/${mode}: callgrind_control failed, running it again\n`);
    }
  }
}

class ControlFailed extends Error {}
/** Instructions per request below which a count cannot be a whole window (off is ~150k for undici, ~200k for node:http). */
const IMPOSSIBLE = 60_000;

/**
 * V8's compilers, run on the counted thread under --single-threaded (on helper threads in a normal
 * process): the two C++ runtime entries, which return to their caller once the code is made. Not
 * the builtin `Builtins_CompileLazy`: it tail-calls the function it compiled, and a closure made
 * afresh (a callback per request) passes through it on its first call even when nothing is
 * compiled, so its inclusive count held that closure's whole run (60 % of an OpenTelemetry window,
 * of which 0.01 % was compiling).
 */
const COMPILE = [/Runtime_CompileOptimized\(/, /Runtime_CompileLazy\(/];
/** libuv running due timers (inclusive: the JS callbacks, and any compiling they trigger). */
const TIMERS = [/timer\.c:uv__run_timers\b/];

/** Inclusive instructions of the functions matching `patterns` in a callgrind profile (callgrind_annotate). */
function inclusive(file: string, patterns: RegExp[]): number {
  const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  let sum = 0;
  for (const line of text.split('\n')) {
    // name'2, '3…: a recursive entry, already inside the outer entry's inclusive count
    if (!patterns.some((p) => p.test(line)) || /'\d+ \[/.test(line)) continue;
    const n = /^\s*([\d,]+)/.exec(line);
    if (n) sum += Number(n[1]!.replaceAll(',', ''));
  }
  return sum;
}

interface Count {
  /** Per request: everything counted in the window. */
  total: number;
  /** Per request: V8 compiling (optimising or first compiling) functions inside the window. */
  compile: number;
  /**
   * Per request: wall-clock timers (the tracer's event-loop probe, run's 1 s leak sampler, undici's
   * own timers). Shown, not subtracted: valgrind's slowdown makes them fire 50–500× more often per
   * request than in a real run, by an amount that depends on the machine's load.
   */
  timers: number;
  /** The window's wall time (s): per-second work lands on requests in proportion to it. */
  windowS: number;
}

function countOnce(client: string, mode: string, pad: number): Promise<Count> {
  return new Promise((resolve, reject) => {
    const out = join(tmpdir(), `connscope-callgrind-${process.pid}-${client}-${mode}-${pad}.out`);
    const p = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--zero-before=node::os::GetUptime*', '--dump-before=node::os::GetLoadAvg*', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', '--predictable', '--no-memory-reducer', '--min-semi-space-size=16', '--max-semi-space-size=16', '--initial-old-space-size=512', '--expose-gc', '--import', 'tsx', child, client, mode, String(requests)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WARM_UP: String(warmUp), BENCH_LAYOUT_PAD: String(pad) } });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', () => {
      // the dump taken at the window's end (os.loadavg()): <out>.1; <out> is what ran after it
      const window = `${out}.1`;
      try {
        const m = existsSync(window) ? /^(?:summary|totals): (\d+)/m.exec(readFileSync(window, 'utf8')) : null;
        const check = /BENCH_CHECK_FAILED.*/.exec(err);
        if (check) reject(new Error(`${client}/${mode}: ${check[0]}`));
        else if (err.includes('CALLGRIND_CONTROL_FAILED')) reject(new ControlFailed(`${client}/${mode}: callgrind_control failed`));
        else if (!m) reject(new Error(`callgrind gave no window dump for ${client}/${mode}:\n${err.slice(-2000)}`));
        // instrumentation switched on too late (a loaded machine): the window is not whole
        else if (Number(m[1]) / requests < IMPOSSIBLE) reject(new ControlFailed(`${client}/${mode}: ${Math.round(Number(m[1]) / requests)} instructions per request is not a whole window`));
        else resolve({ total: Number(m[1]) / requests, compile: inclusive(window, COMPILE) / requests, timers: inclusive(window, TIMERS) / requests, windowS: Number(/WINDOW_MS (\d+)/.exec(err)?.[1] ?? NaN) / 1000 });
      } catch (e) {
        reject(e as Error);
      } finally {
        rmSync(out, { force: true });
        rmSync(window, { force: true });
      }
    });
  });
}

const jobs = Array.from({ length: repeat }, (_, pad) => clients.flatMap((c) => modes.map((m) => [c, m, pad] as const))).flat();
const results = new Map<string, Count>();
// Two at a time by default (--parallel N): valgrind runs one thread per process, and the machine has two cores.
const parallel = Math.max(1, Number(argOf('parallel', '2')));
for (let i = 0; i < jobs.length; i += parallel) {
  await Promise.all(jobs.slice(i, i + parallel).map(async ([c, m, pad]) => {
    const v = await count(c, m, pad);
    results.set(`${c}/${m}/${pad}`, v);
    process.stderr.write(`${c}/${m}${repeat > 1 ? ` (layout ${pad})` : ''}: ${Math.round(v.total - v.compile)} instructions per request (+ ${Math.round(v.compile)} compiling)\n`);
  }));
}
// The figure to read is `perRequest`: the window's instructions less V8's compilers. Under
// --single-threaded TurboFan compiles on the counted thread (normally a helper thread does), and a
// function first hot inside the window (a path taken by 1 request in 10 warms up 10× slower) is
// compiled there: that made a traced request at sampleRate 0.1 look ~9× as costly as at 1.
const perRequest = (v: Count): number => v.total - v.compile;
const rows = clients.flatMap((c) => modes.map((m) => {
  const reps = Array.from({ length: repeat }, (_, pad) => ({ v: results.get(`${c}/${m}/${pad}`)!, off: results.get(`${c}/off/${pad}`)! }));
  const ratios = reps.map(({ v, off }) => perRequest(v) / perRequest(off));
  const per = median(reps.map(({ v }) => perRequest(v)));
  const offPer = median(reps.map(({ off }) => perRequest(off)));
  const row = {
    client: c,
    mode: m,
    perRequest: Math.round(per),
    // the median of the ratios paired within each layout (with one repetition: the ratio)
    vsOff: +median(ratios).toFixed(3),
    added: Math.round(per - offPer),
    compilePerRequest: Math.round(median(reps.map(({ v }) => v.compile))),
    timersPerRequest: Math.round(median(reps.map(({ v }) => v.timers))),
    windowS: Math.round(median(reps.map(({ v }) => v.windowS))),
    totalVsOff: +median(reps.map(({ v, off }) => v.total / off.total)).toFixed(3),
  };
  return repeat > 1 ? { ...row, vsOffEach: ratios.map((r) => r.toFixed(3)).join(' ') } : row;
}));
console.table(rows);
console.log(JSON.stringify({ requests, warmUp, repeat, results: rows }));
