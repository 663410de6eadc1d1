import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { run } from '../../src/cli/program.js';
import { captureIO } from '../helpers/cli-io.js';
import { GALLERY, type Hostile } from '../helpers/hostile-servers.js';
import { AUTH, caFile, checkContract, withCredentials, type Command, type Outcome } from './contract.js';

/**
 * Issue 13's property: for every server of the hostile gallery, probe and bench (in-process CLI)
 * end within their deadline, exit with a documented code (0 only when a response completed), print
 * no stack, name the step that failed and never print the credentials given on the command line.
 * Every server is run once with each command (deterministic), then fast-check draws more
 * combinations of server × client × flags.
 */

type Name = keyof typeof GALLERY;
const NAMES = Object.keys(GALLERY) as Name[];
const H1_CLIENTS = ['undici', 'http', 'fetch', 'raw'] as const;

// short deadlines keep the file fast; the contract allows a generous margin over them
const PROBE_TIMEOUT_MS = 1500;
const BENCH_MS = 600;

interface Flags {
  json: boolean;
  client: string;
  http11: boolean;
  requests: number;
  concurrency: number;
  keepalive: boolean;
}

function argv(cmd: Command, h: Hostile, f: Flags): { args: string[]; deadlineMs: number } {
  const common = [withCredentials(h.url), ...AUTH, ...(h.ca ? ['--ca', caFile(h)] : []), ...(f.json ? ['--json'] : [])];
  if (cmd === 'probe') {
    // probe speaks HTTP/2 only over TLS; an h2c server gets HTTP/1.1, as a user's plain probe would
    const proto = h.h2 && h.ca ? ['--http2'] : f.http11 ? ['--http1.1'] : [];
    return { args: ['probe', ...common, '-n', String(f.requests), '--timeout', `${PROBE_TIMEOUT_MS}ms`, '--connect-timeout', '1s', ...proto], deadlineMs: PROBE_TIMEOUT_MS };
  }
  const client = h.h2 ? 'h2' : f.client;
  const keepalive = f.keepalive ? [] : ['--no-keepalive'];
  return {
    args: ['bench', ...common, '-d', `${BENCH_MS}ms`, '-c', String(f.concurrency), '--timeout', '500ms', '--connect-timeout', '500ms', '--client', client, ...keepalive],
    deadlineMs: BENCH_MS + 500,
  };
}

/** Runs the CLI in-process; a run that overstays 20 s fails the test instead of hanging the suite. */
async function runOnce(args: string[]): Promise<Outcome> {
  const io = captureIO({ NO_COLOR: '1' });
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    run(args, io),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hang: connscope ${args.join(' ')}\nstderr: ${io.err}`)), 20_000))),
  ]).finally(() => clearTimeout(timer));
  return { code, stdout: io.out, stderr: io.err, ms: Math.round(performance.now() - t0) };
}

async function check(cmd: Command, name: Name, f: Flags): Promise<Outcome> {
  const h = await GALLERY[name]();
  try {
    const { args, deadlineMs } = argv(cmd, h, f);
    const o = await runOnce(args);
    checkContract(cmd, name, o, f.json, deadlineMs);
    return o;
  } finally {
    await h.close();
  }
}

const covered = { probe: new Set<string>(), bench: new Set<string>() };
after(() => {
  // every server of the gallery met both commands
  assert.deepEqual([...covered.probe].sort(), [...NAMES].sort());
  assert.deepEqual([...covered.bench].sort(), [...NAMES].sort());
});

test('every gallery server, probe and bench once each: deadline, documented exit, no stack, step named, no secret', { timeout: 120_000 }, async () => {
  for (const [i, name] of NAMES.entries()) {
    // alternate the output format and the client so both meet every kind of server over the gallery
    const f: Flags = { json: i % 2 === 0, client: H1_CLIENTS[i % H1_CLIENTS.length]!, http11: false, requests: 2, concurrency: 2, keepalive: true };
    await check('probe', name, f);
    covered.probe.add(name);
    await check('bench', name, { ...f, json: !f.json });
    covered.bench.add(name);
  }
});

test('fast-check: random server × command × client × flags keep the same contract', { timeout: 90_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...NAMES),
      fc.constantFrom<Command>('probe', 'bench'),
      fc.record({
        json: fc.boolean(),
        client: fc.constantFrom(...H1_CLIENTS),
        http11: fc.boolean(),
        requests: fc.integer({ min: 1, max: 3 }),
        concurrency: fc.integer({ min: 1, max: 4 }),
        keepalive: fc.boolean(),
      }),
      async (name, cmd, f) => {
        await check(cmd, name, f);
      },
    ),
    { numRuns: 16, includeErrorInReport: true },
  );
});

test('control: the contract holds a healthy answer to exit 0 with the response in the JSON', { timeout: 20_000 }, async () => {
  // interimBeforeFinal answers every request with a 200 after legal 1xx: node:http completes, so exit 0
  const o = await check('bench', 'interimBeforeFinal', { json: true, client: 'http', http11: false, requests: 1, concurrency: 1, keepalive: true });
  assert.equal(o.code, 0, o.stderr);
  const p = await check('probe', 'interimBeforeFinal', { json: true, client: 'http', http11: false, requests: 1, concurrency: 1, keepalive: true });
  assert.equal(p.code, 0, p.stderr);
});
