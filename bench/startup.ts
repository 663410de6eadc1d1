/**
 * Start-up cost of the package root and of the CLI, as ratios to undici (run by hand, after `npm run build`):
 *   npx tsx bench/startup.ts [--runs 15]
 *
 * Every sample is a fresh `node` process; cases are interleaved round by round so load drift on a shared
 * machine hits them alike, and each figure is the median over rounds. Two kinds of figure:
 * - import time, measured inside the process (performance.now() around `await import(x)`): what a
 *   service pays to import connscope, against what it pays to import undici;
 * - process wall time (spawn to exit) for the CLI, against `node -e ''` plus undici's import time.
 * Goals (issues 15 and 16): import('connscope') ≤ 1.2× import('undici'); `connscope --help`,
 * `connscope probe --help` and `connscope pcap <empty capture>` ≤ 1.5× (node start-up + undici's import).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error('usage: npx tsx bench/startup.ts [--runs N]');
  process.exit(2);
}
const dist = resolve('dist');
if (!existsSync(join(dist, 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const main = join(dist, 'cli', 'main.cjs');

// An empty capture: a pcap global header (microsecond magic, v2.4, snaplen 65535, Ethernet) and no packet.
const dir = mkdtempSync(join(tmpdir(), 'connscope-startup-'));
const capture = join(dir, 'empty.pcap');
const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0);
header.writeUInt16LE(2, 4);
header.writeUInt16LE(4, 6);
header.writeUInt32LE(65535, 16);
header.writeUInt32LE(1, 20);
writeFileSync(capture, header);

/** A module script printing how long importing `specifier` took, in ms. */
const importer = (specifier: string): string[] => [
  '--input-type=module',
  '-e',
  `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`,
];

interface Case {
  name: string;
  args: string[];
  /** 'import': the child prints its import time; 'wall': spawn to exit. */
  kind: 'import' | 'wall';
  /** exit codes that count as a successful run */
  ok?: number[];
  /** skipped when this file is absent (a subpath entry of an older build) */
  needs?: string;
}

const entry = (path: string): Pick<Case, 'args' | 'needs'> => ({ args: importer(pathToFileURL(path).href), needs: path });

const ALL_CASES: Case[] = [
  { name: "node -e ''", args: ['-e', ''], kind: 'wall' },
  { name: 'node + import undici', args: ['--input-type=module', '-e', "await import('undici')"], kind: 'wall' },
  { name: "import('undici')", args: importer('undici'), kind: 'import' },
  { name: "import('connscope')", ...entry(join(dist, 'index.js')), kind: 'import' },
  { name: "import('connscope/lab')", ...entry(join(dist, 'lab', 'index.js')), kind: 'import' },
  { name: "import('connscope/report')", ...entry(join(dist, 'report', 'index.js')), kind: 'import' },
  { name: 'connscope --help', args: [main, '--help'], kind: 'wall' },
  { name: 'connscope probe --help', args: [main, 'probe', '--help'], kind: 'wall' },
  { name: 'connscope pcap <empty>', args: [main, 'pcap', capture], kind: 'wall', ok: [0, 1] },
];
const CASES = ALL_CASES.filter((c) => c.needs === undefined || existsSync(c.needs));

function sample(c: Case): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { encoding: 'utf8', timeout: 60_000 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error || !(c.ok ?? [0]).includes(r.status ?? -1)) {
    throw new Error(`${c.name}: exit ${r.status} ${r.error?.message ?? ''} ${r.stderr.slice(0, 300)}`);
  }
  return c.kind === 'import' ? Number(r.stdout) : wall;
}

const samples = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
try {
  for (let round = 0; round < RUNS; round++) {
    // rotate the order each round as well, so no case always runs right after the same neighbour
    for (let i = 0; i < CASES.length; i++) {
      const c = CASES[(i + round) % CASES.length]!;
      samples.get(c.name)!.push(sample(c));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const med = new Map([...samples].map(([k, v]) => [k, median(v)]));
const get = (name: string): number => med.get(name) ?? NaN;

console.log(`start-up, median of ${RUNS} fresh processes per case (interleaved), ms:`);
for (const c of CASES) console.log(`  ${c.name.padEnd(28)} ${get(c.name).toFixed(0).padStart(6)}  (${c.kind === 'import' ? 'import time in process' : 'process wall time'})`);

const undiciImport = get("import('undici')");
const cliAnchor = get("node -e ''") + undiciImport;
const ratio = (x: number, anchor: number, goal: number): string => `${(x / anchor).toFixed(2)}× (goal ≤ ${goal}×) ${x / anchor <= goal ? 'met' : 'NOT met'}`;
console.log('\nratios:');
console.log(`  import('connscope') / import('undici')                     ${ratio(get("import('connscope')"), undiciImport, 1.2)}`);
console.log(`  anchor for the CLI: node -e '' + import('undici') = ${cliAnchor.toFixed(0)} ms (whole process importing undici: ${get('node + import undici').toFixed(0)} ms)`);
for (const name of ['connscope --help', 'connscope probe --help', 'connscope pcap <empty>']) {
  console.log(`  ${name.padEnd(24)} / anchor                          ${ratio(get(name), cliAnchor, 1.5)}`);
}
