import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../src/cli/program.js';
import { captureIO } from '../helpers/cli-io.js';
import { GALLERY } from '../helpers/hostile-servers.js';
import { spawnConnscope } from '../cli/spawn.js';
import { AUTH, caFile, checkContract, withCredentials } from './contract.js';

/**
 * The same contract as gallery.test.ts through the CLI as a user runs it (its own process, real
 * pipes, its own exit code), for a few servers: one stuck waiting, one that stalls the TLS handshake,
 * one HTTP/2 server that admits no stream.
 */
const SUBSET = ['silent', 'tlsStallMidHandshake', 'h2MaxStreamsZero'] as const;

for (const name of SUBSET) {
  test(`the real CLI against ${name}: probe and bench keep the contract`, { timeout: 60_000 }, async () => {
    const h = await GALLERY[name]();
    try {
      const common = [withCredentials(h.url), ...AUTH, ...(h.ca ? ['--ca', caFile(h)] : [])];
      const runs: Array<['probe' | 'bench', string[], number]> = [
        ['probe', ['probe', ...common, '-n', '1', '--timeout', '1500ms', '--connect-timeout', '1s'], 1500],
        ['bench', ['bench', ...common, '--json', '-d', '600ms', '-c', '2', '--timeout', '500ms', '--connect-timeout', '500ms', ...(h.h2 ? ['--client', 'h2'] : [])], 1100],
      ];
      // the process's own start-up (tsx on a busy machine: seconds) is not the command's deadline
      const s0 = performance.now();
      await spawnConnscope(['--version'], { deadlineMs: 30_000 });
      const startup = Math.round(performance.now() - s0);
      for (const [cmd, argv, deadlineMs] of runs) {
        const t0 = performance.now();
        const r = await spawnConnscope(argv, { deadlineMs: 30_000 });
        const ms = Math.round(performance.now() - t0) - startup;
        assert.equal(r.signal, null, `${cmd}: killed by ${r.signal}`);
        checkContract(cmd, name, { code: r.code!, stdout: r.stdout, stderr: r.stderr, ms }, argv.includes('--json'), deadlineMs);
        assert.notEqual(r.code, 0, `${cmd} against ${name}: nothing completes, yet exit 0`);
      }
    } finally {
      await h.close();
    }
  });
}

test('probe names the part of a response the parser rejects: the head (waiting) or the body (receiving)', { timeout: 30_000 }, async () => {
  for (const [name, part] of [['garbageStatusLine', /not valid HTTP in its head \(status line and headers\) \(HPE_INVALID_CONSTANT/], ['endlessChunkSizeLine', /not valid HTTP in its body \(HPE_INVALID_CHUNK_SIZE/]] as const) {
    const h = await GALLERY[name]();
    try {
      const io = captureIO();
      assert.equal(await run(['probe', h.url, '-n', '1', '--timeout', '2s'], io), 3, io.err);
      assert.match(io.err, part);
    } finally {
      await h.close();
    }
  }
});
