/**
 * connscope pcap vs tshark on the same capture (run by hand; make the capture with bench/pcap-make-capture.sh):
 *   npx tsx bench/pcap-bench.ts /tmp/connscope-pcap-bench.pcap [rounds=3] [--tsx] [--built DIR] [--base DIR]
 * Both run as separate processes under /usr/bin/time (wall seconds, user+system CPU seconds, max RSS),
 * interleaved round by round so load drift on a shared machine hits both alike; the ratios are medians of
 * the same-round ratios. connscope runs as shipped (compiled JavaScript, CLI bundled, built here into
 * scratch/pcap-bench-build; `--built DIR` takes another build, e.g. an older commit's) and, with --tsx, through tsx too. It runs the full analysis (reassembly, TLS,
 * records, findings) with --json into a pipe this script reads (as `| jq` would; the agreement check parses it); tshark extracts the ClientHello/ServerHello fields
 * (issue 16's command). `--base DIR` times a second build (another commit's tsc output) in the same rounds,
 * to report before and after from one run. Also checks both saw the same ClientHellos and TLS 1.3 PSK acceptances.
 * `--also-without-extra-ca` times connscope a second time each round with NODE_EXTRA_CA_CERTS removed from its
 * environment: Node 20 reads and parses that file before any JavaScript runs (on a machine where it names the
 * system bundle, most of `node -e ''`), so the figure says what the variable costs; tshark does not read it.
 * The shipped CLI keeps V8's code cache per user (src/cli/compile-cache.ts): the script points it at a fresh
 * temporary directory and runs the CLI once untimed on the capture first, so every timed run is what a user's
 * second and later runs are; `--no-compile-cache` times the first run's state instead (CONNSCOPE_COMPILE_CACHE=off).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliOf } from './cli-path.js';
import { median } from './median.js';

interface Run {
  wallS: number;
  cpuS: number;
  maxRssKB: number;
  stdout: string;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], { maxBuffer: 1 << 30, timeout: 30 * 60_000, env }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${cmd} failed: ${stderr.slice(-500)}`));
      const last = stderr.trim().split('\n').pop() ?? '';
      const [wall, rss, user, sys] = last.split(' ').map(Number);
      resolve({ wallS: wall!, cpuS: user! + sys!, maxRssKB: rss!, stdout });
    });
  });
}

const file = process.argv[2];
const rounds = Number(process.argv[3] !== undefined && /^\d+$/.test(process.argv[3]) ? process.argv[3] : 3);
const withTsx = process.argv.includes('--tsx');
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const alsoWithoutExtraCa = process.argv.includes('--also-without-extra-ca') && extraCa !== undefined;
// the compile cache in a directory of this run's own: a known state, and nothing left in the user's cache
const cacheDir = mkdtempSync(join(tmpdir(), 'connscope-pcap-bench-cache-'));
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));
const compileCache = process.argv.includes('--no-compile-cache') ? 'off' : cacheDir;
process.env.CONNSCOPE_COMPILE_CACHE = compileCache;
const envWithoutExtraCa = { ...process.env };
delete envWithoutExtraCa.NODE_EXTRA_CA_CERTS;
if (!file) {
  process.stderr.write('usage: npx tsx bench/pcap-bench.ts CAPTURE\n');
  process.exit(2);
}
const mb = statSync(file).size / 1048576;

// the shipped form: tsc output (type errors elsewhere in the tree do not stop tsc from emitting), CLI bundled
// inside this checkout (node_modules may be shared with other checkouts)
const builtArg = process.argv.indexOf('--built');
const built = builtArg > 0 ? process.argv[builtArg + 1]! : 'scratch/pcap-bench-build';
if (builtArg < 0) {
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', built], { stdio: 'ignore', timeout: 300_000 });
  } catch {}
  // and the CLI bundled as `npm run build` ships it
  execFileSync(process.execPath, ['scripts/bundle-cli.mjs', built], { stdio: 'inherit', timeout: 120_000 });
}
cliOf(built); // throws when the build has no bundled CLI
const TSHARK_ARGS = ['-r', file, '-Y', 'tls.handshake.type == 1 || tls.handshake.type == 2', '-T', 'fields',
  '-e', 'tcp.stream', '-e', 'tls.handshake.type', '-e', 'tls.handshake.extensions_server_name', '-e', 'tls.handshake.extension.type'];
const baseArg = process.argv.indexOf('--base');
const base = baseArg > 0 ? process.argv[baseArg + 1]! : undefined;
const runs: { connscope: Run; tshark: Run; viaTsx?: Run; base?: Run; noExtraCa?: Run }[] = [];
// untimed: writes the compile cache as a user's first run does (the base build too, if it keeps one)
await timed(process.execPath, [cliOf(built), 'pcap', file, '--json']);
if (base) await timed(process.execPath, [cliOf(base), 'pcap', file, '--json']);
for (let r = 0; r < rounds; r++) {
  const connscope = await timed(process.execPath, [cliOf(built), 'pcap', file, '--json']);
  const tshark = await timed('tshark', TSHARK_ARGS);
  const viaTsx = withTsx ? await timed(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'pcap', file, '--json']) : undefined;
  const baseRun = base ? await timed(process.execPath, [cliOf(base), 'pcap', file, '--json']) : undefined;
  const noExtraCa = alsoWithoutExtraCa ? await timed(process.execPath, [cliOf(built), 'pcap', file, '--json'], envWithoutExtraCa) : undefined;
  runs.push({ connscope, tshark, viaTsx, base: baseRun, noExtraCa });
  process.stderr.write(`round ${r + 1}: connscope ${connscope.wallS} s (${connscope.cpuS.toFixed(2)} s CPU), tshark ${tshark.wallS} s (${tshark.cpuS.toFixed(2)} s CPU)${baseRun ? `, base ${baseRun.wallS} s (${baseRun.cpuS.toFixed(2)} s CPU)` : ''}${noExtraCa ? `, without NODE_EXTRA_CA_CERTS ${noExtraCa.wallS} s (${noExtraCa.cpuS.toFixed(2)} s CPU)` : ''}\n`);
}
interface PcapJson {
  capture: { elapsedMs: number; packets: number };
  summary: { connections: number; tls: { resumed: number; resumptionAttempted: number } };
  connections: { pcap: { tls?: { handshakes: number; pskAccepted: boolean; resumed: boolean } } }[];
}
const { connscope, tshark } = runs[runs.length - 1]!;
const session = JSON.parse(connscope.stdout) as PcapJson;
// The JSON keeps the first --max-records connections (5,000 by default) and the summary counts all, so on a
// bigger capture (pcap-repeat.ts's copies) the records are fewer than tshark's streams: the agreement is then
// checked on one more, untimed run that keeps every record.
const complete = session.connections.length === session.summary.connections
  ? session
  : JSON.parse((await timed(process.execPath, [cliOf(built), 'pcap', file, '--json', '--max-records', String(session.summary.connections)])).stdout) as PcapJson;

// agreement: ClientHello count and TLS 1.3 PSK acceptances
let tsharkHellos = 0;
let tsharkPskAccepted = 0;
for (const line of tshark.stdout.split('\n')) {
  if (!line) continue;
  const cols = line.split('\t');
  const types = (cols[1] ?? '').split(',');
  tsharkHellos += types.filter((t) => t === '1').length;
  if (types.includes('2') && !types.includes('1') && (cols[3] ?? '').split(',').includes('41')) tsharkPskAccepted++;
}
const hellos = complete.connections.reduce((n, c) => n + (c.pcap.tls?.handshakes ?? 0), 0);

const round1 = (x: number): number => Math.round(x * 10) / 10;
const out = {
  file,
  sizeMB: round1(mb),
  rounds,
  loadAverage: (await import('node:os')).loadavg().map(round1),
  packets: session.capture.packets,
  connections: session.summary.connections,
  connscope: {
    wallS: median(runs.map((r) => r.connscope.wallS)),
    cpuS: median(runs.map((r) => r.connscope.cpuS)),
    analysisMs: Math.round(session.capture.elapsedMs),
    maxRssMB: Math.round(Math.max(...runs.map((r) => r.connscope.maxRssKB)) / 1024),
  },
  base: base ? {
    dir: base,
    wallS: median(runs.map((r) => r.base!.wallS)),
    cpuS: median(runs.map((r) => r.base!.cpuS)),
    maxRssMB: Math.round(Math.max(...runs.map((r) => r.base!.maxRssKB)) / 1024),
    speedup: round1(median(runs.map((r) => r.tshark.wallS / r.base!.wallS))),
    cpuSpeedup: round1(median(runs.map((r) => r.tshark.cpuS / r.base!.cpuS))),
  } : undefined,
  nodeExtraCaCerts: extraCa,
  compileCache: compileCache === 'off' ? 'off (every run compiles the CLI from source, as a first run does)' : 'warm (one untimed run first)',
  connscopeWithoutExtraCa: alsoWithoutExtraCa ? {
    wallS: median(runs.map((r) => r.noExtraCa!.wallS)),
    cpuS: median(runs.map((r) => r.noExtraCa!.cpuS)),
    speedup: round1(median(runs.map((r) => r.tshark.wallS / r.noExtraCa!.wallS))),
    cpuSpeedup: round1(median(runs.map((r) => r.tshark.cpuS / r.noExtraCa!.cpuS))),
  } : undefined,
  connscopeViaTsx: withTsx ? { wallS: median(runs.map((r) => r.viaTsx!.wallS)), maxRssMB: Math.round(Math.max(...runs.map((r) => r.viaTsx!.maxRssKB)) / 1024) } : undefined,
  tshark: {
    wallS: median(runs.map((r) => r.tshark.wallS)),
    cpuS: median(runs.map((r) => r.tshark.cpuS)),
    maxRssMB: Math.round(Math.max(...runs.map((r) => r.tshark.maxRssKB)) / 1024),
  },
  // medians of the same-round ratios: drift between rounds cancels out
  speedup: round1(median(runs.map((r) => r.tshark.wallS / r.connscope.wallS))),
  cpuSpeedup: round1(median(runs.map((r) => r.tshark.cpuS / r.connscope.cpuS))),
  agreement: {
    clientHellos: { connscope: hellos, tshark: tsharkHellos },
    tls13PskAccepted: { connscope: complete.connections.filter((c) => c.pcap.tls?.pskAccepted).length, tshark: tsharkPskAccepted },
    resumedAll: session.summary.tls.resumed,
    // records the agreement counted: every connection (from an untimed run when the timed one's JSON was capped)
    recordsCompared: complete.connections.length,
  },
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
