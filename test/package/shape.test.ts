import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Help } from 'commander';
import { findCycles } from '../../bench/import-graph.js';
import { COMMANDS, type CommandName } from '../../src/cli/commands.js';
import type { CliIO } from '../../src/cli/io.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const child = fileURLToPath(new URL('./loads-child.ts', import.meta.url));

function runChild(what: string): Promise<{ loaded: string[]; globalPatched: boolean; [k: string]: unknown }> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', child, what], { timeout: 60_000, cwd: repo }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    ),
  );
}

test('no import cycles in src/, type-only imports included', () => {
  assert.deepEqual(findCycles(`${repo}src`), []);
});

test('every subpath export has an import and types entry built from a file in src/', () => {
  const pkg = JSON.parse(readFileSync(`${repo}package.json`, 'utf8')) as { exports: Record<string, { import: string; types?: string }> };
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './lab', './register', './report', './run']);
  for (const [name, entry] of Object.entries(pkg.exports)) {
    const source = entry.import.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
    assert.ok(existsSync(`${repo}${source}`), `${name}: ${source} is missing`);
    if (name !== './register') assert.equal(entry.types, entry.import.replace(/\.js$/, '.d.ts'), `${name}: types`);
  }
});

test('the root exports the tracer, model, rules and sources; lab and formatters live in their subpaths', async () => {
  const root = await import('../../src/index.js');
  const lab = await import('../../src/lab/index.js');
  const report = await import('../../src/report/index.js');
  for (const name of ['instrument', 'Session', 'diagnose', 'runRules', 'probe', 'bench', 'benchMatrix', 'parseMatrix', 'analyzeCapture', 'CaptureSession',
    'instrumentServer', 'checkServer', 'watchLeaks', 'readTcpSockets', 'UsageError', 'redactUrl']) {
    assert.ok(name in root, `root lacks ${name}`);
  }
  const labNames = ['makeCertChain', 'startLatencyProxy', 'listScenarios', 'runScenario', 'renderScenario', 'renderSummary', 'startLbProxy', 'startPipelineServer', 'measureIdleTimeout'];
  const reportNames = ['probeToJson', 'toHar', 'harTimings', 'renderProbe', 'renderWaterfall', 'renderFindings', 'renderConnections', 'renderTable', 'palette', 'fmtMs', 'fmtBytes', 'serverMetrics', 'SERVER_METRICS'];
  for (const name of labNames) {
    assert.ok(name in lab, `connscope/lab lacks ${name}`);
    assert.ok(!(name in root), `root still exports ${name}`);
  }
  const run = await import('../../src/run/index.js');
  assert.equal(typeof run.attach, 'function');
  assert.ok(!('attach' in root), 'attach (prom-client, renderers) stays off the root');
  for (const name of reportNames) {
    assert.ok(name in report, `connscope/report lacks ${name}`);
    assert.ok(!(name in root), `root still exports ${name}`);
  }
});

test('importing the root loads no heavy package and patches no global; the lab does (the check can see it)', { timeout: 120_000 }, async () => {
  const root = await runChild('root');
  assert.deepEqual(root.loaded, []);
  assert.equal(root.globalPatched, false);
  const lab = await runChild('lab');
  assert.equal(lab.globalPatched, true, 'the lab loads reflect-metadata (for @peculiar/x509)');
  assert.ok(lab.loaded.includes('reflect-metadata'));
});

test('connscope/report loads prom-client only when metrics are asked for', { timeout: 60_000 }, async () => {
  const r = await runChild('report');
  assert.ok(!(r.beforeMetrics as string[]).includes('prom-client'), `loaded on import: ${r.beforeMetrics}`);
  assert.ok(r.loaded.includes('prom-client'));
});

test('`connscope --help` loads no subcommand module, `probe --help` not the prober', { timeout: 120_000 }, async () => {
  const help = await runChild('cli-help');
  assert.equal(help.exitCode, 0);
  assert.deepEqual(help.loaded, []); // pcap's cli-progress, the report tables, the lab's polyfill: none
  assert.equal(help.globalPatched, false);
  const probeHelp = await runChild('cli-probe-help');
  assert.equal(probeHelp.exitCode, 0);
  assert.ok(!probeHelp.loaded.includes('undici'), `loaded: ${probeHelp.loaded}`);
});

test('the top-level help shows each subcommand as its own module registers it', async () => {
  const { run } = await import('../../src/cli/program.js');
  let text = '';
  const io: CliIO = { stdout: (t) => void (text += t), stderr: () => {}, env: {}, isTTY: false, signal: new AbortController().signal };
  assert.equal(await run(['--help'], io), 0);
  const { LOADERS } = await import('../../src/cli/subcommands.js');
  const help = new Help();
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    const program = new Command('connscope').enablePositionalOptions(); // as program.ts makes it
    (await LOADERS[name]())(program, io, { exitCode: 0 });
    const cmd = program.commands.find((c) => c.name() === name)!;
    assert.equal(`${name} ${COMMANDS[name].usage}`, help.subcommandTerm(cmd), `${name}: COMMANDS.usage differs from the module's arguments`);
    assert.equal(cmd.description(), COMMANDS[name].summary);
    assert.ok(text.includes(`${name} ${COMMANDS[name].usage}`), `top-level help lacks ${name}`);
  }
});

test("the package's bin is the bundled CommonJS launcher: the CLI runs without Node's ES module loader", { timeout: 60_000 }, async () => {
  const pkg = JSON.parse(readFileSync(`${repo}package.json`, 'utf8')) as { bin: Record<string, string>; version: string };
  const bin = `${repo}${pkg.bin.connscope}`;
  assert.ok(existsSync(bin), `${pkg.bin.connscope} is built (npm test builds before it tests)`);
  const dir = mkdtempSync(join(tmpdir(), 'connscope-bin-'));
  // written at exit: the ESM loader's modules Node loaded (an ES module entry point loads them before anything runs)
  const preload = join(dir, 'esm-modules.cjs');
  writeFileSync(preload, "process.on('exit', () => process.stderr.write('ESM_LOADER ' + process.moduleLoadList.filter((m) => /esm\\/(module_job|translators)/.test(m)).length + '\\n'));\n");
  const esmEntry = join(dir, 'entry.mjs');
  writeFileSync(esmEntry, 'export {};\n');
  const run = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, ['-r', preload, ...args], { timeout: 30_000, cwd: dir }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr }))),
    );
  try {
    const cli = await run([bin, '--version']);
    assert.equal(cli.stdout.trim(), pkg.version);
    assert.match(cli.stderr, /ESM_LOADER 0\n/);
    // the check sees an ES module entry point's loader
    assert.match((await run([esmEntry])).stderr, /ESM_LOADER [1-9]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
