/**
 * Instructions executed by `connscope pcap FILE --json` (all threads: the JIT compiler's and the GC's too),
 * counted by valgrind's callgrind: on a shared machine seconds are noise, instruction counts are not
 * (run by hand; about 50 times slower than a plain run):
 *   npx tsx bench/pcap-instructions.ts FILE [--built DIR] [--base DIR]
 * Also counts `node -e ''` and the same command on an empty capture (FILE's 24-byte pcap header alone), so
 * Node's own start-up, connscope's fixed part and the part that grows with the capture can be told apart.
 * `--built DIR` takes a build (default: tsc output with the CLI bundled, in scratch/pcap-bench-build, as pcap-bench.ts);
 * `--base DIR` counts a second build (e.g. an older commit's tsc output) the same way.
 * The CLI's V8 code cache (src/cli/compile-cache.ts) goes to a fresh temporary directory, warmed by one plain run
 * of each build on FILE before counting (a user's second and later runs); `--no-compile-cache` counts without it
 * (CONNSCOPE_COMPILE_CACHE=off: what a first run compiles).
 */
import { execFile, execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliOf } from './cli-path.js';

const file = process.argv[2];
if (!file || file.startsWith('--')) {
  process.stderr.write('usage: npx tsx bench/pcap-instructions.ts CAPTURE [--built DIR] [--base DIR]\n');
  process.exit(2);
}
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
let built = arg('--built');
if (built === undefined) {
  built = 'scratch/pcap-bench-build';
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', built], { stdio: 'ignore', timeout: 300_000 });
  } catch {}
  // and the CLI bundled as `npm run build` ships it
  execFileSync(process.execPath, ['scripts/bundle-cli.mjs', built], { stdio: 'inherit', timeout: 120_000 });
}
const base = arg('--base');
for (const dir of [built, base]) if (dir !== undefined) cliOf(dir); // throws when a build has no bundled CLI

/** Instructions callgrind counted for one run of node with these arguments. */
function instructions(nodeArgs: string[]): Promise<number> {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, ...nodeArgs];
  return new Promise((resolve, reject) => {
    execFile('valgrind', args, { maxBuffer: 1 << 30, timeout: 30 * 60_000 }, (err, _stdout, stderr) => {
      const m = /Collected : (\d+)/.exec(stderr);
      if (err || !m) return reject(new Error(`valgrind failed: ${(err?.message ?? '')} ${stderr.slice(-300)}`));
      resolve(Number(m[1]));
    });
  });
}

// the empty capture: the file header only (classic pcap; a pcapng's first block varies in length)
const head = Buffer.alloc(24);
const fd = openSync(file, 'r');
readSync(fd, head, 0, 24, 0);
closeSync(fd);
const pcapMagic = [0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(head.readUInt32LE(0));
const dir = mkdtempSync(join(tmpdir(), 'connscope-pcap-instr-'));
const empty = join(dir, 'empty.pcap');
if (pcapMagic) writeFileSync(empty, head);

const M = (n: number): number => Math.round(n / 1e6);
process.env.CONNSCOPE_COMPILE_CACHE = process.argv.includes('--no-compile-cache') ? 'off' : join(dir, 'compile-cache');
for (const build of [built, base]) {
  if (build !== undefined) execFileSync(process.execPath, [cliOf(build), 'pcap', file, '--json'], { stdio: 'ignore', timeout: 300_000 });
}
try {
  const out: Record<string, unknown> = { file, compileCache: process.env.CONNSCOPE_COMPILE_CACHE === 'off' ? 'off' : 'warm', nodeStartupM: M(await instructions(['-e', ''])) };
  for (const [name, build] of [['connscope', built], ['base', base]] as const) {
    if (build === undefined) continue;
    const full = await instructions([cliOf(build), 'pcap', file, '--json']);
    const fixed = pcapMagic ? await instructions([cliOf(build), 'pcap', empty, '--json']) : undefined;
    out[name] = { dir: build, totalM: M(full), emptyCaptureM: fixed === undefined ? undefined : M(fixed), captureM: fixed === undefined ? undefined : M(full - fixed) };
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
