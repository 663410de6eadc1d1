import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hostile } from '../helpers/hostile-servers.js';

/**
 * What every probe and bench run against a hostile server must honour (issue 13): a documented exit
 * code, 0 only when a response completed, no stack trace, the failed step named, no credential echoed.
 */

export const PASSWORD = 's3cr3t-XYZ';
export const TOKEN = 'tok-XYZ';
/** Every form a secret could leak as: itself and the Basic credentials built from the URL's. */
const SECRETS = [PASSWORD, TOKEN, Buffer.from(`user:${PASSWORD}`).toString('base64')];

/** Gallery servers that can deliver a complete response to some client: the only ones where exit 0 is allowed. */
export const CAN_COMPLETE = new Set(['interimBeforeFinal', 'redirectLoop', 'bodyAfter204', 'h2Goaway', 'h2sGoaway']);

/** Words that name a step of a request (dns, connect, tls, send, wait, receive) or a stuck step. */
const STEP = /\b(resolv\w*|DNS|connect\w*|TLS|handshake|send\w*|sent|wait\w*|never answered|receiv\w*|response head|headers|body|status line|stream|GOAWAY|HTTP\/2|h2c)\b/i;
const BENCH_STEPS = ['blocked', 'connecting', 'sending', 'waiting', 'receiving'];

export type Command = 'probe' | 'bench';
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

let caDir: string | undefined;
/** The server's CA written to a file, for --ca. */
export function caFile(h: Hostile): string {
  caDir ??= mkdtempSync(join(tmpdir(), 'connscope-hostile-'));
  const file = join(caDir, `${new URL(h.url).port}.pem`);
  writeFileSync(file, h.ca!);
  return file;
}

/** The server's URL with credentials in it, as a user would paste it. */
export const withCredentials = (url: string): string => url.replace('://', `://user:${PASSWORD}@`);
export const AUTH = ['-H', `Authorization: Bearer ${TOKEN}`];

/** Checks one run; `json` says whether --json was given; `deadlineMs` is the deadline the flags set. */
export function checkContract(cmd: Command, server: string, o: Outcome, json: boolean, deadlineMs: number): void {
  const what = `${cmd} against ${server} (exit ${o.code}, ${o.ms} ms)\nstderr: ${o.stderr}\nstdout: ${o.stdout.slice(0, 3000)}`;
  const all = o.stdout + o.stderr;
  // generous: a busy 2-core machine, and the run's own teardown
  assert.ok(o.ms < deadlineMs + 6000, `deadline ${deadlineMs} ms overrun: ${what}`);
  assert.ok([0, 1, 2, 3].includes(o.code), `undocumented exit code: ${what}`);
  assert.notEqual(o.code, 2, `a valid command line is not a usage error: ${what}`);
  assert.ok(!/^\s+at /m.test(all) && !/internal error/i.test(all), `stack trace or internal error: ${what}`);
  for (const s of SECRETS) assert.ok(!all.includes(s), `secret ${s} printed: ${what}`);
  const doc = json && o.stdout.trim() ? (JSON.parse(o.stdout) as Record<string, any>) : undefined;
  if (o.code === 0) {
    assert.ok(CAN_COMPLETE.has(server), `exit 0 though this server completes no response: ${what}`);
    if (doc && cmd === 'bench') assert.ok(Object.values(doc.stats.statusCodes as Record<string, number>).some((n) => n > 0), what);
    if (doc && cmd === 'probe') assert.ok((doc.requests as any[]).some((r) => r.status !== null && !r.error), what);
    return;
  }
  if (o.code === 3) {
    // a network/TLS failure: one line on stderr that names the step
    const line = o.stderr.trim();
    assert.match(line, /^connscope: /, what);
    assert.match(line, STEP, `the failed step is not named: ${what}`);
    return;
  }
  // exit 1, a failed bench run, or a bench run whose requests failed in part (docs/bench.md, "Exit codes"),
  // or a probe finding at --fail-on: the report names the step, or the meaning of every error code
  if (cmd === 'bench') {
    const completedSome = doc ? doc.failed !== true : !/FAILED: no request completed/.test(o.stdout);
    if (completedSome) {
      // e.g. a 204 with a body: every other response on the connection is the stray bytes, an error
      assert.ok(CAN_COMPLETE.has(server), `exit 1 with completed requests though this server completes no response: ${what}`);
      if (doc) {
        assert.ok(Object.values(doc.stats.statusCodes as Record<string, number>).some((n) => n > 0), what);
        assert.ok((doc.errorCodes as any[]).length > 0 && (doc.errorCodes as any[]).every((e) => !/^see the example|^a system error/.test(e.meaning)), `exit 1 without a named error: ${what}`);
      } else {
        assert.match(o.stdout, /^Errors\n\s+code\s+count\s+meaning/m, `exit 1 without an error table: ${what}`);
      }
      return;
    }
    // the step the unfinished requests were stuck in, or else the meaning of every error code the requests failed with
    if (doc) {
      assert.equal(doc.failed, true, what);
      const f = (doc.findings as any[]).find((x) => x.id === 'no-request-completed');
      assert.ok(f, `no no-request-completed finding: ${what}`);
      const stuck = Object.keys(doc.stuck as Record<string, number>);
      const named = stuck.length > 0 ? stuck.every((s) => BENCH_STEPS.includes(s)) : (doc.errorCodes as any[]).length > 0 && (doc.errorCodes as any[]).every((e) => !/^see the example|^a system error/.test(e.meaning));
      assert.ok(named, `the report names no step: ${what}`);
    } else {
      assert.match(o.stdout, /FAILED: no request completed/, what);
      assert.match(o.stdout, /no-request-completed /, what);
      const stuckLine = /unfinished\s+\d+ in flight at the end, not counted \((blocked|connecting|sending|waiting|receiving)×/.test(o.stdout);
      assert.ok(stuckLine || /^Errors\n\s+code\s+count\s+meaning/m.test(o.stdout), `the report names no step: ${what}`);
    }
  } else {
    assert.match(o.stderr + o.stdout, STEP, what);
  }
}
