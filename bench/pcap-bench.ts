/**
 * connscope pcap vs tshark on the same capture (run by hand; make the capture with bench/pcap-make-capture.sh):
 *   npx tsx bench/pcap-bench.ts /tmp/connscope-pcap-bench.pcap
 * Both run as separate processes under /usr/bin/time (wall seconds, max RSS). connscope runs as shipped
 * (compiled JavaScript, built here into node_modules/.cache) and, for reference, through tsx. It runs the full
 * analysis (reassembly, TLS, records, findings) with --json to /dev/null; tshark extracts the handshake
 * fields (`-Y tls.handshake -T fields`). Also checks both saw the same ClientHellos and resumptions.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

interface Run {
  wallS: number;
  maxRssKB: number;
  stdout: string;
}

function timed(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { maxBuffer: 1 << 30, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${cmd} failed: ${stderr.slice(-500)}`));
      const last = stderr.trim().split('\n').pop() ?? '';
      const [wall, rss] = last.split(' ').map(Number);
      resolve({ wallS: wall!, maxRssKB: rss!, stdout });
    });
  });
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npx tsx bench/pcap-bench.ts CAPTURE\n');
  process.exit(2);
}
const mb = statSync(file).size / 1048576;

// the shipped form: tsc output (type errors elsewhere in the tree do not stop tsc from emitting)
const built = 'node_modules/.cache/connscope-pcap-bench';
try {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', built], { stdio: 'ignore', timeout: 300_000 });
} catch {}
if (!existsSync(`${built}/cli/main.js`)) throw new Error('tsc emitted nothing');
const connscope = await timed(process.execPath, [`${built}/cli/main.js`, 'pcap', file, '--json']);
const viaTsx = await timed(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'pcap', file, '--json']);
const session = JSON.parse(connscope.stdout) as {
  capture: { elapsedMs: number; packets: number };
  summary: { connections: number; tls: { resumed: number; resumptionAttempted: number } };
  connections: { pcap: { tls?: { handshakes: number; pskAccepted: boolean; resumed: boolean } } }[];
};
const tshark = await timed('tshark', ['-r', file, '-n', '-Y', 'tls.handshake', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|',
  '-e', 'tcp.stream', '-e', 'tls.handshake.type', '-e', 'tls.handshake.extensions_server_name', '-e', 'tls.handshake.ciphersuite',
  '-e', 'tls.handshake.extension.type', '-e', 'tls.handshake.extensions.supported_version']);

// agreement: ClientHello count and TLS 1.3 PSK acceptances
let tsharkHellos = 0;
let tsharkPskAccepted = 0;
for (const line of tshark.stdout.split('\n')) {
  if (!line) continue;
  const cols = line.split('\t');
  const types = (cols[1] ?? '').split('|');
  tsharkHellos += types.filter((t) => t === '1').length;
  if (types.includes('2') && !types.includes('1') && (cols[4] ?? '').split('|').includes('41')) tsharkPskAccepted++;
}
const hellos = session.connections.reduce((n, c) => n + (c.pcap.tls?.handshakes ?? 0), 0);

const out = {
  file,
  sizeMB: Math.round(mb * 10) / 10,
  packets: session.capture.packets,
  connections: session.summary.connections,
  connscope: {
    wallS: connscope.wallS,
    MBps: Math.round(mb / connscope.wallS),
    analysisMs: Math.round(session.capture.elapsedMs),
    analysisMBps: Math.round(mb / (session.capture.elapsedMs / 1000)),
    maxRssMB: Math.round(connscope.maxRssKB / 1024),
  },
  connscopeViaTsx: { wallS: viaTsx.wallS, MBps: Math.round(mb / viaTsx.wallS), maxRssMB: Math.round(viaTsx.maxRssKB / 1024) },
  tshark: { wallS: tshark.wallS, MBps: Math.round((mb / tshark.wallS) * 10) / 10, maxRssMB: Math.round(tshark.maxRssKB / 1024) },
  speedup: Math.round((tshark.wallS / connscope.wallS) * 10) / 10,
  speedupViaTsx: Math.round((tshark.wallS / viaTsx.wallS) * 10) / 10,
  agreement: {
    clientHellos: { connscope: hellos, tshark: tsharkHellos },
    tls13PskAccepted: { connscope: session.connections.filter((c) => c.pcap.tls?.pskAccepted).length, tshark: tsharkPskAccepted },
    resumedAll: session.summary.tls.resumed,
  },
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
