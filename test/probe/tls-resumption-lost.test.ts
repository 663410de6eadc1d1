import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import https from 'node:https';
import { Session } from '../../src/model/session.js';
import { diagnose } from '../../src/diagnose/index.js';
import { probe } from '../../src/probe/index.js';
import { instrument } from '../../src/trace/index.js';
import { httpsServer } from '../helpers/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function get(url: string, agent: https.Agent, ca: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent, ca }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

/**
 * A client opening a new connection per request (keep-alive off, one session cache), traced in-process, with the
 * ticket lifetime the probe read from the same server: the rule weighs one against the other.
 */
async function run(serverOptions: https.ServerOptions, gaps: number[], beforeEach?: (i: number, s: https.Server) => void) {
  const s = await httpsServer((_q, res) => res.end('x'), serverOptions);
  cleanups.push(s.close);
  const url = `https://localhost:${s.port}/`;
  const probed = await probe(url, { ca: s.chain.caPem, requests: 1 });
  let resumedOnServer = 0;
  s.server.on('secureConnection', (sock) => sock.isSessionReused() && resumedOnServer++);
  const tracer = instrument();
  const session = new Session();
  const stop = session.collect(tracer);
  const agent = new https.Agent({ keepAlive: false });
  try {
    for (let i = 0; i < gaps.length; i++) {
      await sleep(gaps[i]!);
      beforeEach?.(i, s.server);
      await get(url, agent, s.chain.caPem);
    }
    await sleep(50);
  } finally {
    stop();
    tracer.stop();
    agent.destroy();
  }
  session.facts = { ...session.facts, tls: { ...session.facts.tls, ticketLifetimeSec: probed.tls!.resumption.ticketLifetimeSec! } };
  return { findings: diagnose(session), lifetime: probed.tls!.resumption.ticketLifetimeSec, resumedOnServer };
}

test('resumption-lost explained by a 1 s ticket lifetime against connections 2.2 s apart', { timeout: 30_000 }, async () => {
  // OpenSSL counts a session's age in whole seconds on both sides: 2.2 s is past a 1 s lifetime, 1.4 s may not be
  const r = await run({ sessionTimeout: 1 }, [0, 0, 0, 0, 0, 2200, 2200]);
  assert.equal(r.lifetime, 1);
  assert.equal(r.resumedOnServer, 4, 'the quick reconnects resumed, the late ones did not');
  const f = r.findings.find((x) => x.id === 'resumption-lost');
  assert.ok(f, r.findings.map((x) => x.id).join(','));
  assert.equal(f.evidence.ticketLifetimeSec, 1);
  assert.ok((f.evidence.lateNewConnectionGapSec as number) >= 2.1, String(f.evidence.lateNewConnectionGapSec));
  assert.equal(f.evidence.sessionsExpireBeforeReuse, true);
  assert.match(f.fix.summary, /longer than the 1 s the server's session tickets live/);
});

test('control: resumption lost to rotated ticket keys is not blamed on the lifetime', { timeout: 30_000 }, async () => {
  // same shape, no waiting: the server's ticket keys change before each of the last four connections
  const r = await run({}, [0, 0, 0, 0, 0, 0, 0], (i, server) => {
    if (i >= 3) server.setTicketKeys(crypto.randomBytes(48));
  });
  assert.equal(r.resumedOnServer, 2);
  const f = r.findings.find((x) => x.id === 'resumption-lost');
  assert.ok(f, r.findings.map((x) => x.id).join(','));
  assert.equal(f.evidence.sessionsExpireBeforeReuse, false);
  assert.ok((f.evidence.ticketLifetimeSec as number) > 60);
  assert.match(f.fix.summary, /ticket keys rotated/);
});
