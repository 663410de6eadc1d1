import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chargeEstablishment, establishmentFromMarks } from '../../src/model/establishment.js';
import { phasesFromMarks, sumPhases, type RequestMarks } from '../../src/model/phases.js';

test('establishmentFromMarks: each step runs from the end of the previous one; absent steps stay absent', () => {
  assert.deepEqual(establishmentFromMarks({ created: 100, dnsEnd: 110, connectEnd: 130, tlsEnd: 170 }), { dns: 10, connect: 20, tls: 40, total: 70 });
  // an IP literal over plain TCP: no dns, no tls
  assert.deepEqual(establishmentFromMarks({ created: 100, connectEnd: 104 }), { connect: 4, total: 4 });
  // server side: accept → secure
  assert.deepEqual(establishmentFromMarks({ created: 5, tlsEnd: 9 }), { tls: 4, total: 4 });
  // a mark earlier than the previous one (two clocks) is clamped, never negative
  assert.deepEqual(establishmentFromMarks({ created: 100, dnsEnd: 120, connectEnd: 118 }), { dns: 20, connect: 0, total: 20 });
  assert.deepEqual(establishmentFromMarks({ created: 7 }), { total: 0 });
});

test('chargeEstablishment: the paying request gets the same dns/connect/tls as the connection record', () => {
  const c = { created: 100, dnsEnd: 110, connectEnd: 130, tlsEnd: 170, lookup: true, handshake: true };
  const r: RequestMarks = { start: 95, sent: 171, firstByte: 200, end: 205 };
  chargeEstablishment(r, c, false);
  const p = phasesFromMarks(r);
  const e = establishmentFromMarks(c);
  assert.deepEqual({ dns: p.dns, connect: p.connect, tls: p.tls }, { dns: e.dns, connect: e.connect, tls: e.tls });
  assert.equal(p.blocked, 5, 'queued before the connection was created');
  assert.equal(sumPhases(p), p.total);
});

test('chargeEstablishment on a connection that never finished: the rest of the request goes to the step it was in', () => {
  const stuck = (c: Parameters<typeof chargeEstablishment>[1]): ReturnType<typeof phasesFromMarks> => {
    const r: RequestMarks = { start: 100, end: 400 };
    chargeEstablishment(r, c, true);
    return phasesFromMarks(r);
  };
  assert.deepEqual(stuck({ created: 100, lookup: true }), { blocked: 0, dns: 300, total: 300 });
  assert.deepEqual(stuck({ created: 100, dnsEnd: 150, lookup: true }), { blocked: 0, dns: 50, connect: 250, total: 300 });
  assert.deepEqual(stuck({ created: 100, connectEnd: 120, handshake: true }), { blocked: 0, connect: 20, tls: 280, total: 300 });
  // plain HTTP with no lookup: connect
  assert.deepEqual(stuck({ created: 100 }), { blocked: 0, connect: 300, total: 300 });
});
